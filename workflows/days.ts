/** How backfill and replayFailed run days: dailyPipeline children, `width` at once, or pipelined in date order. */
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { dailyPipeline, type DailyPipelineInput } from './daily-pipeline';
import { rootMessage } from './failures';
import { dailyWorkflowId } from './ids';
import type { TaskState } from '../pipeline/dag';
import type { PipelineResult } from './progress';

export type DayOutcome = { result: PipelineResult } | { error: string };

/**
 * Runs each day as a child with the day's id (financelake/daily/<date>), taking them in the
 * order given, at most `width` at once; `settle` gets each day's result, or the error that
 * stopped it (a child that could not start, failed or was terminated).
 */
export async function runDays<T extends { date: string }>(days: T[], width: number, inputOf: (day: T) => DailyPipelineInput & { date: string }, settle: (day: T, outcome: DayOutcome) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < days.length) {
      const day = days[next++]!;
      settle(day, await runDay(inputOf(day)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, days.length) }, worker));
}

async function runDay(input: DailyPipelineInput & { date: string }): Promise<DayOutcome> {
  try {
    const child = await startChild(dailyPipeline, {
      workflowId: dailyWorkflowId(input.date),
      args: [input],
      parentClosePolicy: ParentClosePolicy.TERMINATE,
    });
    return { result: await child.result() };
  } catch (e) {
    return { error: rootMessage(e) };
  }
}

/**
 * Days in date order, each in two dailyPipeline runs (see `pipelinePhases`): day i+1's `ahead`
 * tasks run while day i runs its `ordered` ones, and day i+1's `ordered` tasks start when both
 * are done. So an ordered task sees every earlier day's output, as one day after another would
 * give, while the ahead tasks (bronze, dimensions, reference data) fill the time between. The
 * ordered run is told the states of the ahead run, so a failure there skips what depends on it.
 */
export async function runDaysPipelined(
  dates: string[],
  phases: { ahead: string[]; ordered: string[] },
  inputOf: (date: string) => DailyPipelineInput & { date: string },
  settle: (date: string, outcomes: DayOutcome[]) => void,
): Promise<void> {
  const ahead = (date: string) => runDay({ ...inputOf(date), tasks: phases.ahead, downstream: false });
  let early = dates.length ? ahead(dates[0]!) : undefined;
  for (let i = 0; i < dates.length; i++) {
    const first = await early!;
    const upstream: Record<string, TaskState> =
      'result' in first ? Object.fromEntries(first.result.tasks.map((t) => [t.taskId, t.state])) : Object.fromEntries(phases.ahead.map((id) => [id, 'failed']));
    const second = runDay({ ...inputOf(dates[i]!), tasks: phases.ordered, downstream: false, upstream });
    early = i + 1 < dates.length ? ahead(dates[i + 1]!) : undefined;
    settle(dates[i]!, [first, await second]);
  }
}
