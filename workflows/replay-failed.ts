/**
 * replayFailed: for each date in [from, to], the tasks whose latest recorded outcome (run
 * ledger ops.runs) is failed or skipped are run again, with everything downstream of them,
 * as a dailyPipeline restricted to those tasks.
 */
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { FinanceLakeActivities } from '../activities/types';
import { assertDate } from './dates';
import { dailyPipeline } from './daily-pipeline';
import { NON_RETRYABLE_TYPES, invalidInput, rootMessage } from './failures';
import { dailyWorkflowId } from './ids';

export interface ReplayFailedInput {
  from: string;
  to: string;
  concurrency?: number; // days at once, default 2
  maxParallel?: number;
}

export interface ReplayFailedResult {
  replayed: { date: string; tasks: string[]; status: 'succeeded' | 'failed'; error?: string }[];
}

const control = proxyActivities<FinanceLakeActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '20 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
});

export async function replayFailed(input: ReplayFailedInput): Promise<ReplayFailedResult> {
  const concurrency = input.concurrency ?? 2;
  invalidInput(() => {
    assertDate(input.from, 'from');
    assertDate(input.to, 'to');
    if (input.from > input.to) throw new Error(`from (${input.from}) is after to (${input.to})`);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency: expected a whole number >= 1, got ${input.concurrency}`);
  });
  const failed = await control.findFailed({ from: input.from, to: input.to });
  const out: ReplayFailedResult['replayed'] = [];
  let next = 0;
  const worker = async () => {
    while (next < failed.length) {
      const f = failed[next++]!;
      try {
        const child = await startChild(dailyPipeline, {
          workflowId: dailyWorkflowId(f.date),
          args: [{ date: f.date, tasks: f.tasks, maxParallel: input.maxParallel }],
          parentClosePolicy: ParentClosePolicy.TERMINATE,
        });
        const r = await child.result();
        out.push({ date: f.date, tasks: r.tasks.map((t) => t.taskId), status: r.status });
      } catch (e) {
        out.push({ date: f.date, tasks: f.tasks, status: 'failed', error: rootMessage(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, failed.length) }, worker));
  out.sort((a, b) => (a.date < b.date ? -1 : 1));
  return { replayed: out };
}
