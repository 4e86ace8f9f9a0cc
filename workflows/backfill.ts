/**
 * backfill: dailyPipeline for every date in [from, to], at most `concurrency` days at
 * once, each as a child with the day's id (financelake/daily/<date>). Days run in date
 * order when a selected task reads what earlier dates wrote (silver's dedup against earlier
 * dates, a window or as-of read): a range then gives what daily runs give. The tasks that
 * read no earlier date then run a day ahead (`runDaysPipelined`). Long ranges
 * continue-as-new every `datesPerRun` dates so the history stays small.
 */
import { continueAsNew, log, patched } from '@temporalio/workflow';
import { daysAtOnce, pipelinePhases, selectDag } from '../pipeline/dag';
import { addDays, assertDate, dateRange } from './dates';
import { control } from './control';
import { runDays, runDaysPipelined, type DayOutcome } from './days';
import { invalidInput } from './failures';

export interface BackfillInput {
  from: string;
  to: string;
  concurrency?: number; // days at once, default 2
  datasets?: string[];
  maxParallel?: number; // partitions at once within a day
  datesPerRun?: number; // continue-as-new after this many dates, default 30
  /** Carried across continue-as-new. */
  done?: BackfillResult;
}

export interface BackfillResult {
  from: string;
  to: string;
  succeeded: string[];
  failed: { date: string; error?: string }[];
  /** The selected tasks that read earlier dates, for which the days ran in date order (none: `concurrency` days at once). */
  inDateOrderFor?: string[];
  /** With days in date order: the tasks that ran one day ahead, beside the day before's ordered tasks. */
  aheadTasks?: string[];
}

export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  const concurrency = input.concurrency ?? 2;
  const datesPerRun = input.datesPerRun ?? 30;
  let dates: string[] = [];
  invalidInput(() => {
    assertDate(input.from, 'from');
    assertDate(input.to, 'to');
    dates = dateRange(input.from, input.to);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency: expected a whole number >= 1, got ${input.concurrency}`);
    if (!Number.isInteger(datesPerRun) || datesPerRun < 1) throw new Error(`datesPerRun: expected a whole number >= 1, got ${input.datesPerRun}`);
  });
  const result: BackfillResult = input.done ?? { from: input.from, to: input.to, succeeded: [], failed: [] };
  const batch = dates.slice(0, datesPerRun);
  let width = concurrency;
  let phases: { ahead: string[]; ordered: string[] } | undefined;
  // histories from before the date-order rule replay without the planDag call
  if (patched('backfill-date-order')) {
    const full = await control.planDag({});
    let dag = full;
    invalidInput(() => {
      dag = selectDag(full, { datasets: input.datasets });
    });
    const order = daysAtOnce(dag, concurrency);
    width = order.width;
    result.inDateOrderFor = order.inOrderFor;
    if (order.inOrderFor.length) {
      const split = pipelinePhases(dag);
      // histories from before pipelining replay one whole day after another
      // concurrency 1 asks for one day at a time: no day ahead then
      if (split.ahead.length && concurrency > 1 && patched('backfill-pipelined')) {
        phases = split;
        result.aheadTasks = split.ahead;
      }
    }
    if (order.width < concurrency) log.info('backfill: days run in date order', { tasks: order.inOrderFor, ahead: phases?.ahead ?? [] });
  }

  const dayInput = (date: string) => ({ date, datasets: input.datasets, maxParallel: input.maxParallel });
  const settle = (date: string, outcomes: DayOutcome[]) => {
    if (outcomes.every((o) => 'result' in o && o.result.status === 'succeeded')) return void result.succeeded.push(date);
    // the failed tasks of each run (a run of skipped tasks only adds nothing), or why a run did not finish
    const errors = outcomes.flatMap((o) => ('error' in o ? [o.error] : o.result.tasks.filter((t) => t.state === 'failed').map((t) => `${t.taskId}: ${t.error ?? 'failed'}`)));
    result.failed.push({ date, error: errors.join('; ') });
  };
  if (phases) await runDaysPipelined(batch, phases, dayInput, settle);
  else await runDays(batch.map((date) => ({ date })), width, ({ date }) => dayInput(date), ({ date }, outcome) => settle(date, [outcome]));
  result.succeeded.sort();
  result.failed.sort((a, b) => (a.date < b.date ? -1 : 1));

  if (dates.length > batch.length) {
    // Keep the history bounded: carry the tally, start over at the next date.
    await continueAsNew<typeof backfill>({ ...input, from: addDays(batch[batch.length - 1]!, 1), done: { ...result, from: result.from } });
  }
  return result;
}
