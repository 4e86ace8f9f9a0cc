/**
 * `financelake quality report --date D [--run RUN_ID] [--dataset X] [--open]`: the HTML quality
 * report of a run, rebuilt from silver.quality_metrics (so it exists for any recorded run, also
 * one whose worker wrote no report), written under the config's reportDir; prints its path.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../config/env';
import { closeSharedContext, sharedContext, useConfig } from '../../activities/context';
import type { TaskSummary } from '../../activities/types';
import { dataset as declaration } from '../../pipeline';
import { METRICS_TABLE, loadReportRun, writeReport } from '../../quality';
import { CommandFailed, UsageError, parse, requireDate } from '../args';
import type { Command } from '../command';

const usage = 'financelake quality report --date YYYY-MM-DD [--run RUN_ID] [--dataset NAME] [--open]';

/** A declared dataset name, or a usage error listing the known ones. */
export function knownDataset(name: string | undefined, usageText: string): string {
  if (!name) throw new UsageError('missing --dataset NAME', usageText);
  try {
    return declaration(name).name;
  } catch (e) {
    throw new UsageError(`--dataset: ${(e as Error).message}`, usageText);
  }
}

/** The report line of each silver task that wrote one, for run summaries. */
export function reportLines(tasks: Pick<TaskSummary, 'taskId' | 'qualityReport'>[]): string[] {
  return tasks.filter((t) => t.qualityReport).map((t) => `quality report ${t.taskId}: ${t.qualityReport}`);
}

/**
 * Opens the file with xdg-open when there is a display to open it on. Resolves false (never
 * rejects) when there is no opener, no display, or the opener fails: the path is printed anyway.
 */
export function openInBrowser(file: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn('xdg-open', [file], { stdio: 'ignore', detached: true, env });
    // xdg-open hands over to the browser and exits; one that lingers has found a browser.
    const timer = setTimeout(() => {
      child.unref();
      resolve(true);
    }, 5_000);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

async function report(argv: string[]): Promise<number> {
  const { values } = parse(argv, { date: { type: 'string' }, run: { type: 'string' }, dataset: { type: 'string' }, open: { type: 'boolean' } }, usage);
  const date = requireDate(values.date, 'date', usage);
  const only = values.dataset === undefined ? undefined : knownDataset(values.dataset, usage);
  if (values.run !== undefined && !values.run.trim()) throw new UsageError('--run: empty run id', usage);
  const config = loadConfig();
  if (/^[a-z]+:\/\//.test(config.reportDir)) throw new CommandFailed(`the report folder must be local (FINANCELAKE_REPORTS), got ${config.reportDir}`);
  useConfig(config);
  let file: string;
  try {
    const { warehouse } = await sharedContext();
    const run = await loadReportRun(warehouse, { date, ...(values.run ? { runId: values.run } : {}) });
    const datasets = only ? run.datasets.filter((d) => d.dataset === only) : run.datasets;
    if (!datasets.length) {
      const what = [`date ${date}`, values.run ? `run ${values.run}` : '', only ? `dataset ${only}` : ''].filter(Boolean).join(', ');
      throw new CommandFailed(`no quality metrics for ${what} in ${METRICS_TABLE} (${warehouse.url}) (did a silver task run for that day?)`);
    }
    // A one-dataset report gets its own folder so it does not replace the run's full report.
    file = await writeReport(only ? path.join(config.reportDir, only) : config.reportDir, { ...run, datasets });
    console.log(file);
    for (const d of datasets) console.log(`  ${d.dataset}: ${d.outcomes.length} expectations, ${d.rowsIn} rows in, ${d.passed} passed, ${d.quarantined} quarantined, ${d.duplicates} duplicates`);
  } finally {
    await closeSharedContext();
  }
  if (values.open && !(await openInBrowser(file))) console.log(`(no browser to open it here: open ${file} yourself)`);
  return 0;
}

export const qualityCommand: Command = {
  name: 'quality',
  summary: 'the HTML quality report of a run (from silver.quality_metrics)',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'report') return report(rest);
    throw new UsageError(sub ? `unknown sub-command, got "${sub}" (one of: report)` : 'name the sub-command: report', usage);
  },
};
