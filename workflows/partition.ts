/**
 * One (dataset, date) partition: that dataset's tasks for the date, in order (bronze then
 * silver, or the one gold task), each as a `runTask` activity with the task's own retry
 * policy and timeout. A failed task skips the tasks after it that depend on it.
 * Runs as a child of dailyPipeline with id financelake/<dataset>/<date>. The parent may start
 * it before every outside dep is decided (`awaiting`): each task then waits for the parent's
 * `upstream` signal on its own outside deps, and is skipped if one failed or was skipped.
 */
import { condition, getExternalWorkflowHandle, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { FinanceLakeActivities, RunTaskResult, TaskSummary } from '../activities/types';
import { isDone, type DagTask, type TaskState } from '../pipeline/dag';
import { NON_RETRYABLE_TYPES, rootMessage } from './failures';
import { progressQuery, taskStateSignal, upstreamSignal, type PartitionResult, type Progress } from './progress';
import { DATASET, LAYER, PARTITION_DATE, STATUS } from './search-attributes';

export interface PartitionInput {
  dataset: string;
  date: string;
  /** The parent's run id: tags what this run writes (quarantine, metrics). */
  runId: string;
  /** Tasks to run, in order. Deps on tasks outside this list succeeded before the start, except `awaiting`. */
  tasks: DagTask[];
  /**
   * Outside deps still undecided at the start: their states arrive by the `upstream` signal.
   * Absent or empty (a partition started on its own, e.g. from the UI): nothing to wait for.
   */
  awaiting?: string[];
}

function activitiesFor(t: DagTask) {
  return proxyActivities<FinanceLakeActivities>({
    startToCloseTimeout: t.startToCloseTimeoutMs,
    heartbeatTimeout: t.heartbeatTimeoutMs,
    retry: {
      maximumAttempts: t.retry.maximumAttempts,
      initialInterval: t.retry.initialIntervalMs,
      backoffCoefficient: t.retry.backoffCoefficient,
      maximumInterval: t.retry.maximumIntervalMs,
      nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
    },
  });
}

export function summaryOf(t: DagTask, r: RunTaskResult): TaskSummary {
  // The invariant (bronze in = silver + quarantined + duplicates) is the silver layer's promise.
  const broken = t.layer === 'silver' && r.invariantOk === false;
  return {
    taskId: t.id,
    dataset: t.dataset,
    layer: t.layer,
    state: broken ? 'failed' : 'succeeded',
    rowsIn: r.rowsIn,
    rowsOut: r.rowsOut,
    quarantined: r.quarantined,
    duplicates: r.duplicates,
    invariantOk: r.invariantOk,
    durationMs: r.durationMs,
    ...(broken ? { error: `invariant violated: rowsIn ${r.rowsIn} != rowsOut ${r.rowsOut} + quarantined ${r.quarantined} + duplicates ${r.duplicates}` } : {}),
    ...(r.qualityReport ? { qualityReport: r.qualityReport } : {}),
  };
}

export function emptySummary(t: DagTask, state: TaskState, error?: string, durationMs = 0): TaskSummary {
  return { taskId: t.id, dataset: t.dataset, layer: t.layer, state, rowsIn: 0, rowsOut: 0, quarantined: 0, duplicates: 0, durationMs, ...(error ? { error } : {}) };
}

export async function partitionPipeline(input: PartitionInput): Promise<PartitionResult> {
  const { dataset, date, runId, tasks } = input;
  const states: Record<string, TaskState> = Object.fromEntries(tasks.map((t) => [t.id, 'pending' as TaskState]));
  // Outside deps not yet decided; the rest of `states` also holds their states once told.
  const awaiting = new Set(input.awaiting ?? []);
  setHandler(upstreamSignal, (decided) => {
    for (const [id, state] of Object.entries(decided)) {
      if (isDone(state) && awaiting.delete(id)) states[id] = state;
    }
  });
  const errors: Record<string, string> = {};
  let status: Progress['status'] = 'running';
  setHandler(progressQuery, () => ({
    workflowId: workflowInfo().workflowId,
    date,
    status,
    tasks: tasks.map((t) => ({ taskId: t.id, dataset: t.dataset, layer: t.layer, deps: t.deps, state: states[t.id]!, ...(errors[t.id] ? { error: errors[t.id] } : {}) })),
  }));
  upsertSearchAttributes([
    { key: DATASET, value: dataset },
    { key: PARTITION_DATE, value: date },
    { key: STATUS, value: 'running' },
  ]);

  const parent = workflowInfo().parent;
  const tell = (taskId: string, state: TaskState, error?: string) => {
    states[taskId] = state;
    if (!parent) return;
    // Progress only: the parent decides from this workflow's result, so a lost signal costs nothing.
    getExternalWorkflowHandle(parent.workflowId, parent.runId)
      .signal(taskStateSignal, { taskId, state, ...(error ? { error } : {}) })
      .catch(() => undefined);
  };

  const out: TaskSummary[] = [];
  for (const t of tasks) {
    if (t.deps.some((d) => awaiting.has(d))) await condition(() => !t.deps.some((d) => awaiting.has(d)));
    const blocked = t.deps.find((d) => states[d] === 'failed' || states[d] === 'skipped');
    if (blocked) {
      tell(t.id, 'skipped');
      out.push(emptySummary(t, 'skipped', `upstream failed: ${blocked}`));
      continue;
    }
    tell(t.id, 'running');
    upsertSearchAttributes([{ key: LAYER, value: t.layer }]);
    const started = Date.now(); // workflow time: deterministic, good enough for a summary
    try {
      const r = await activitiesFor(t).runTask({ taskId: t.id, date, runId });
      const s = summaryOf(t, r);
      if (s.error) errors[t.id] = s.error;
      tell(t.id, s.state, s.error);
      out.push(s);
    } catch (e) {
      errors[t.id] = rootMessage(e);
      tell(t.id, 'failed', errors[t.id]);
      out.push(emptySummary(t, 'failed', errors[t.id], Date.now() - started));
    }
  }
  const failed = out.some((s) => s.state !== 'succeeded');
  status = failed ? 'failed' : 'succeeded';
  upsertSearchAttributes([{ key: STATUS, value: status }]);
  return { dataset, date, tasks: out };
}
