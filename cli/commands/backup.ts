/**
 * financelake backup run|verify|list|restore|retention|schedule — backups of the warehouse to
 * the backup site (FINANCELAKE_BACKUP_TARGET or --target). run/verify/restore work in this
 * process with a progress bar; `schedule` creates the Temporal Schedules (incremental backup
 * every 15 minutes with a size verify, and a nightly checksum verify).
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig, type Config } from '../../config/env';
import { closeSharedContext, sharedContext, useConfig } from '../../activities/context';
import { backupStore } from '../../activities/backup';
import { applyRetention, backupWarehouse, describeProblems, listManifests, newRunId, restoreFromBackup, verifyBackup } from '../../lakehouse/backup';
import { formatBytes } from '../../lakehouse/maintenance';
import { openStore } from '../../lakehouse/storage';
import { backup as backupWorkflow } from '../../workflows';
import { CommandFailed, UsageError, dailyCronAt, list, optionalInt, parse } from '../args';
import type { Command } from '../command';
import { table } from '../format';
import { connectClient, upsertSchedule } from '../temporal';

const usage = `financelake backup run [--tables a,b] [--target URL] [--verify size|checksum|none] [--concurrency N]
financelake backup verify [--run ID] [--sizes-only] [--target URL]
financelake backup list [--target URL]
financelake backup restore [--run ID] [--tables a,b] [--version N | --timestamp ISO] [--dest URL] [--target URL]
financelake backup retention [--keep-daily 7] [--keep-weekly 4] [--keep-within-hours 24] [--dry-run] [--target URL]
financelake backup schedule [--every-minutes 15] [--verify-at HH:MM] [--keep-daily 7] [--keep-weekly 4] [--paused]`;

export const BACKUP_SCHEDULE_ID = 'financelake-backup';
export const BACKUP_VERIFY_SCHEDULE_ID = 'financelake-backup-verify';

/** A one-line progress bar on stderr, redrawn in place on a terminal (plain lines otherwise, at most every 2 s). */
export function progressBar(label: string): { update: (done: number, total: number, extra?: string) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  let drawn = false;
  return {
    update(done, total, extra = '') {
      const now = Date.now();
      if (now - last < (tty ? 100 : 2000) && done < total) return;
      last = now;
      const pct = total > 0 ? Math.min(1, done / total) : 1;
      const width = 28;
      const bar = '#'.repeat(Math.round(pct * width)).padEnd(width, '.');
      const text = `${label} [${bar}] ${(pct * 100).toFixed(0).padStart(3)}% ${done}/${total}${extra ? ` ${extra}` : ''}`;
      if (tty) process.stderr.write(`\r${text}\x1b[K`);
      else process.stderr.write(`${text}\n`);
      drawn = true;
    },
    end() {
      if (tty && drawn) process.stderr.write('\n');
    },
  };
}

function openDest(config: Config, url: string) {
  const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = config.s3;
  return openStore(url, url.startsWith('s3://') ? { s3: { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } } : {});
}

async function schedule(config: Config, values: Record<string, string | boolean | undefined>): Promise<void> {
  const every = optionalInt(values['every-minutes'] as string | undefined, 'every-minutes', usage, 1, 24 * 60) ?? 15;
  const verifyCron = dailyCronAt(values['verify-at'] as string | undefined, 'verify-at', '04:00', usage);
  const keepDaily = optionalInt(values['keep-daily'] as string | undefined, 'keep-daily', usage, 1, 3650) ?? 7;
  const keepWeekly = optionalInt(values['keep-weekly'] as string | undefined, 'keep-weekly', usage, 0, 520) ?? 4;
  const { client, close } = await connectClient(config);
  try {
    const specs = [
      {
        id: BACKUP_SCHEDULE_ID,
        spec: { intervals: [{ every: `${every} minutes` }] },
        args: { verify: 'size' as const },
        note: `incremental backup every ${every} min (RPO <= ${every} min + one backup's duration)`,
      },
      {
        id: BACKUP_VERIFY_SCHEDULE_ID,
        spec: { cronExpressions: [verifyCron] },
        args: { verify: 'checksum' as const, retention: { keepDaily, keepWeekly, keepWithinHours: 24 } },
        note: `nightly backup with checksum verify and retention (${keepDaily} daily, ${keepWeekly} weekly)`,
      },
    ];
    for (const s of specs) {
      const action = { type: 'startWorkflow' as const, workflowType: backupWorkflow, taskQueue: config.temporal.taskQueue, workflowId: `financelake/scheduled/${s.id}`, args: [s.args] as [Parameters<typeof backupWorkflow>[0]] };
      // A backup still running when the next is due is not doubled: the next one catches up.
      const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour', pauseOnFailure: false };
      const what = await upsertSchedule(client, { scheduleId: s.id, spec: s.spec, action, policies, note: s.note, paused: values.paused as boolean | undefined });
      const d = await client.schedule.getHandle(s.id).describe();
      console.log(`${what} schedule ${s.id}: ${s.note}; next ${d.info.nextActionTimes[0]?.toISOString() ?? '-'}`);
    }
  } finally {
    await close();
  }
}

export const backupCommand: Command = {
  name: 'backup',
  summary: 'warehouse backups to the backup site: run | verify | list | restore | retention | schedule',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    const subs = ['run', 'verify', 'list', 'restore', 'retention', 'schedule'];
    if (!sub || !subs.includes(sub)) throw new UsageError(`backup needs one of: ${subs.join(', ')}${sub ? ` (got "${sub}")` : ''}`, usage);
    const { values } = parse(
      rest,
      {
        tables: { type: 'string' },
        target: { type: 'string' },
        verify: { type: 'string' },
        concurrency: { type: 'string' },
        run: { type: 'string' },
        'sizes-only': { type: 'boolean' },
        version: { type: 'string' },
        timestamp: { type: 'string' },
        dest: { type: 'string' },
        'keep-daily': { type: 'string' },
        'keep-weekly': { type: 'string' },
        'keep-within-hours': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'every-minutes': { type: 'string' },
        'verify-at': { type: 'string' },
        paused: { type: 'boolean' },
      },
      usage,
    );
    const config = loadConfig();
    if (sub === 'schedule') {
      await schedule(config, values);
      return 0;
    }
    let target;
    try {
      target = backupStore(config, values.target);
    } catch (e) {
      throw new UsageError((e as Error).message, usage);
    }
    if (sub === 'list') {
      const ms = await listManifests(target);
      console.log(`backups in ${target.url}`);
      console.log(ms.length ? table(['run', 'finished', 'tables', 'versions', 'files', 'copied', 'verified'], ms.map((m) => [m.runId, m.finishedAt, m.tables.length, m.tables.map((t) => `${t.table}@${t.version}`).join(' '), m.tables.reduce((s, t) => s + t.files.length, 0), formatBytes(m.tables.reduce((s, t) => s + t.copiedBytes, 0)), m.verifiedAt ?? ''])) : 'no backups yet');
      return 0;
    }
    if (sub === 'verify') {
      const bar = progressBar('verify');
      const r = await verifyBackup(target, { runId: values.run, checksums: !values['sizes-only'], onProgress: (p) => bar.update(p.filesDone, p.filesTotal, formatBytes(p.bytesDone)) });
      bar.end();
      console.log(describeProblems(r));
      if (!r.ok) throw new CommandFailed(`backup ${r.runId} failed verification`);
      return 0;
    }
    if (sub === 'retention') {
      const r = await applyRetention(
        target,
        { keepDaily: optionalInt(values['keep-daily'], 'keep-daily', usage, 1, 3650) ?? 7, keepWeekly: optionalInt(values['keep-weekly'], 'keep-weekly', usage, 0, 520) ?? 4, keepWithinHours: optionalInt(values['keep-within-hours'], 'keep-within-hours', usage, 0, 24 * 365) ?? 24 },
        { dryRun: values['dry-run'] },
      );
      console.log(`${values['dry-run'] ? 'would keep' : 'kept'} ${r.kept.length} backup(s); ${values['dry-run'] ? 'would delete' : 'deleted'} ${r.deleted.length} (${r.deleted.join(', ') || 'none'}), ${r.deletedFiles.length} file(s), ${formatBytes(r.freedBytes)}`);
      return 0;
    }
    useConfig(config);
    try {
      const { warehouse } = await sharedContext();
      if (sub === 'run') {
        const bar = progressBar('backup');
        const runId = newRunId();
        const r = await backupWarehouse(warehouse.store, target, {
          runId,
          tables: list(values.tables),
          concurrency: optionalInt(values.concurrency, 'concurrency', usage, 1, 64),
          onProgress: (p) => bar.update(p.filesDone, p.filesTotal, `${p.table} ${p.phase} ${formatBytes(p.bytesDone)}`),
        });
        bar.end();
        console.log(`backup ${runId} of ${warehouse.url} -> ${target.url}: ${r.copiedFiles} file(s), ${formatBytes(r.copiedBytes)} copied in ${(r.durationMs / 1000).toFixed(1)} s (${formatBytes(r.copiedBytes / Math.max(0.001, r.durationMs / 1000))}/s)`);
        console.log(table(['table', 'version', 'files', 'copied'], r.manifest.tables.map((t) => [t.table, t.version, t.files.length, t.copiedFiles])));
        const mode = values.verify ?? 'size';
        if (!['size', 'checksum', 'none'].includes(mode)) throw new UsageError(`--verify: expected size, checksum or none, got "${mode}"`, usage);
        if (mode !== 'none') {
          const v = await verifyBackup(target, { runId, checksums: mode === 'checksum' });
          console.log(describeProblems(v));
          if (!v.ok) throw new CommandFailed(`backup ${runId} failed verification`);
        }
        return 0;
      }
      // restore
      const version = optionalInt(values.version, 'version', usage, 0);
      if (version !== undefined && values.timestamp) throw new UsageError('give --version or --timestamp, not both', usage);
      const dest = values.dest ? openDest(config, values.dest) : warehouse.store;
      const bar = progressBar('restore');
      const r = await restoreFromBackup(target, dest, { runId: values.run, tables: list(values.tables), version, timestamp: values.timestamp, onProgress: (p) => bar.update(p.filesDone, p.filesTotal, `${p.table} ${formatBytes(p.bytesDone)}`) });
      bar.end();
      console.log(`restored into ${dest.url} in ${(r.durationMs / 1000).toFixed(1)} s`);
      console.log(table(['table', 'version', 'from backup', 'copied files', 'copied', 'log files removed'], r.tables.map((t) => [t.table, t.version, t.runId, t.copiedFiles, formatBytes(t.copiedBytes), t.removedLogFiles])));
      return 0;
    } finally {
      await closeSharedContext();
    }
  },
};
