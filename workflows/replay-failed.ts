/**
 * replayFailed: for each date in [from, to], the tasks whose latest recorded outcome (run
 * ledger ops.runs) is failed or skipped are run again, with everything downstream of them,
 * as a dailyPipeline restricted to those tasks. Dates run in date order, one at a time, when
 * a replayed task reads what earlier dates wrote (as backfill).
 */
import { patched } from '@temporalio/workflow';
import { daysAtOnce, selectDag } from '../pipeline/dag';
import { control } from './control';
import { assertDate } from './dates';
import { runDays } from './days';
import { invalidInput } from './failures';

export interface ReplayFailedInput {
  from: string;
  to: string;
  concurrency?: number; // days at once, default 2
  maxParallel?: number;
}

export interface ReplayFailedResult {
  replayed: { date: string; tasks: string[]; status: 'succeeded' | 'failed'; error?: string }[];
}

export async function replayFailed(input: ReplayFailedInput): Promise<ReplayFailedResult> {
  const concurrency = input.concurrency ?? 2;
  invalidInput(() => {
    assertDate(input.from, 'from');
    assertDate(input.to, 'to');
    if (input.from > input.to) throw new Error(`from (${input.from}) is after to (${input.to})`);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency: expected a whole number >= 1, got ${input.concurrency}`);
  });
  const failed = await control.findFailed({ from: input.from, to: input.to });
  let width = concurrency;
  // histories from before the date-order rule replay without the planDag call
  if (failed.length > 1 && patched('replay-date-order')) {
    const full = await control.planDag({});
    const replayed = new Set(failed.flatMap((f) => selectDag(full, { tasks: f.tasks, withDownstream: true }).tasks.map((t) => t.id)));
    width = daysAtOnce({ tasks: full.tasks.filter((t) => replayed.has(t.id)) }, concurrency).width;
  }
  const out: ReplayFailedResult['replayed'] = [];
  await runDays(
    failed,
    width,
    (f) => ({ date: f.date, tasks: f.tasks, maxParallel: input.maxParallel }),
    (f, outcome) => {
      if ('error' in outcome) out.push({ date: f.date, tasks: f.tasks, status: 'failed', error: outcome.error });
      else out.push({ date: f.date, tasks: outcome.result.tasks.map((t) => t.taskId), status: outcome.result.status });
    },
  );
  out.sort((a, b) => (a.date < b.date ? -1 : 1));
  return { replayed: out };
}
