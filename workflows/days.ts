/** The pool backfill and replayFailed share: dailyPipeline children for a list of days, `width` at once. */
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { dailyPipeline, type DailyPipelineInput } from './daily-pipeline';
import { rootMessage } from './failures';
import { dailyWorkflowId } from './ids';
import type { PipelineResult } from './progress';

export type DayOutcome = { result: PipelineResult } | { error: string };

/**
 * Runs each day as a child with the day's id (financelake/daily/<date>), taking them in the
 * order given, at most `width` at once; `settle` gets each day's result, or the error that
 * stopped it (a child that could not start, failed or was terminated).
 */
export async function runDays<T extends { date: string }>(days: T[], width: number, inputOf: (day: T) => DailyPipelineInput, settle: (day: T, outcome: DayOutcome) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < days.length) {
      const day = days[next++]!;
      try {
        const child = await startChild(dailyPipeline, {
          workflowId: dailyWorkflowId(day.date),
          args: [inputOf(day)],
          parentClosePolicy: ParentClosePolicy.TERMINATE,
        });
        settle(day, { result: await child.result() });
      } catch (e) {
        settle(day, { error: rootMessage(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, days.length) }, worker));
}
