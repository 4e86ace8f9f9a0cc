/**
 * financelake dr-drill — the disaster-recovery drill: back up (or take the newest backup),
 * destroy the warehouse, restore it from the backup site, prove every table identical, and
 * print RTO and RPO. It destroys the warehouse, so it needs --confirm <warehouse URL>.
 * --workflow runs it as the drDrill workflow (and --next-day runs the pipeline after it).
 */
import { loadConfig } from '../../config/env';
import { backupStore } from '../../activities/backup';
import { closeSharedContext, sharedContext, useConfig } from '../../activities/context';
import { formatDrill, runDrill } from '../../lakehouse/backup';
import { drDrill as drDrillWorkflow } from '../../workflows';
import { CommandFailed, UsageError, checkDate, parse } from '../args';
import type { Command } from '../command';
import { connectClient, uiLink } from '../temporal';

const usage = 'financelake dr-drill --confirm <warehouse URL> [--target URL] [--no-backup] [--workflow [--next-day YYYY-MM-DD]] [--schedule-minutes 15]';

export const drDrillCommand: Command = {
  name: 'dr-drill',
  summary: 'disaster-recovery drill: destroy the warehouse, restore it from the backup site, print RTO and RPO',
  usage,
  async run(argv) {
    const { values } = parse(argv, { confirm: { type: 'string' }, target: { type: 'string' }, 'no-backup': { type: 'boolean' }, workflow: { type: 'boolean' }, 'next-day': { type: 'string' }, 'schedule-minutes': { type: 'string' } }, usage);
    const config = loadConfig();
    if (values.confirm !== config.warehouse) throw new UsageError(`the drill destroys the warehouse ${config.warehouse}: pass --confirm ${config.warehouse}`, usage);
    const nextDay = values['next-day'] ? checkDate(values['next-day'], 'next-day', usage) : undefined;
    if (nextDay && !values.workflow) throw new UsageError('--next-day runs the daily pipeline: use it with --workflow', usage);
    const every = Number(values['schedule-minutes'] ?? 15);
    if (values.workflow) {
      const { client, close } = await connectClient(config);
      try {
        const id = `financelake/dr-drill/${new Date().toISOString()}`;
        const h = await client.workflow.start(drDrillWorkflow, { taskQueue: config.temporal.taskQueue, workflowId: id, args: [{ confirm: config.warehouse, target: values.target, backupFirst: !values['no-backup'], nextDay }] });
        process.stderr.write(`started ${id}: ${uiLink(config, id, h.firstExecutionRunId)}\n`);
        const r = await h.result();
        console.log(formatDrill(r.report));
        if ('unchangedBeforeNextDay' in r) console.log(`pipeline for ${nextDay}: ${r.unchangedBeforeNextDay ? 'earlier days unchanged' : `changed: ${r.changed?.join(', ')}`}`);
        return r.report.ok ? 0 : 1;
      } finally {
        await close();
      }
    }
    useConfig(config);
    try {
      const { warehouse, engine } = await sharedContext();
      const report = await runDrill({
        primary: warehouse.store,
        backup: backupStore(config, values.target),
        engine,
        backupFirst: !values['no-backup'],
        onStep: (step, detail) => process.stderr.write(`[dr-drill] ${step} ${detail ? JSON.stringify(detail) : ''}\n`),
      });
      console.log(formatDrill(report));
      console.log(`  with a backup every ${every} min the worst-case RPO is ${every} min plus one incremental backup's duration; target RPO < 15 min, RTO < 60 min: ${report.rtoMs < 3_600_000 ? 'RTO met' : 'RTO MISSED'}`);
      if (!report.ok) throw new CommandFailed('restored tables differ from the backup');
      return 0;
    } finally {
      await closeSharedContext();
    }
  },
};
