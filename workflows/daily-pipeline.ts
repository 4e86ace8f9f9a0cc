/**
 * dailyPipeline: runs the DAG for one date. Each (dataset, date) partition is a child
 * workflow (financelake/<dataset>/<date>), started once its first task can run (its later tasks
 * wait inside it for their outside deps, told by the `upstream` signal); partitions run in
 * parallel up to `maxParallel`; a failed task skips what depends on it while unrelated
 * branches go on. The DAG comes from the planDag activity, so it is recorded in history.
 *
 * Started from the Temporal UI with input {"date":"2024-01-02"}, or by the daily Schedule
 * with no date (then: the day before the scheduled time).
 */
import {
  ParentClosePolicy,
  condition,
  type ChildWorkflowHandle,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import type { TaskSummary } from '../activities/types';
import { LAYERS, isDone, nextPartition, partitions, propagateSkips, selectDag, type Dag, type DagTask, type PartitionStart, type TaskState } from '../pipeline/dag';
import { assertDate, dayBefore } from './dates';
import { control } from './control';
import { invalidInput, rootMessage } from './failures';
import { partitionWorkflowId } from './ids';
import { emptySummary, partitionPipeline } from './partition';
import { progressQuery, taskStateSignal, upstreamSignal, type PipelineResult, type Progress } from './progress';
import { DATASET, PARTITION_DATE, STATUS } from './search-attributes';

export interface DailyPipelineInput {
  /** YYYY-MM-DD; absent: the day before the scheduled (or start) time, in UTC. */
  date?: string;
  /** Only these datasets' tasks (upstream outside the selection is taken as produced). */
  datasets?: string[];
  /** Only these tasks and everything downstream of them (replay of failures). */
  tasks?: string[];
  /** With `tasks`: false runs only those tasks, not what is downstream of them (default true). */
  downstream?: boolean;
  /**
   * States of tasks outside the selection that selected tasks depend on (a backfill's earlier
   * phase of the same day). A failed or skipped one skips its dependants; absent ones are taken
   * as produced.
   */
  upstream?: Record<string, TaskState>;
  /** Partitions running at once (default 4). */
  maxParallel?: number;
  /** Append the outcome to the run ledger ops.runs (default true). */
  record?: boolean;
}

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The date a run without one processes: yesterday of when the Schedule meant it to start. */
function defaultDate(): string {
  const info = workflowInfo();
  let at: Date = info.startTime;
  try {
    const scheduled = info.typedSearchAttributes.get(SCHEDULED_START);
    if (scheduled instanceof Date && !Number.isNaN(scheduled.getTime())) at = scheduled;
  } catch {
    // not started by a Schedule
  }
  return dayBefore(at);
}

export async function dailyPipeline(input: DailyPipelineInput = {}): Promise<PipelineResult> {
  const info = workflowInfo();
  const date = input.date ?? defaultDate();
  const maxParallel = input.maxParallel ?? 4;
  invalidInput(() => {
    assertDate(date, 'date');
    if (!Number.isInteger(maxParallel) || maxParallel < 1) throw new Error(`maxParallel: expected a whole number >= 1, got ${JSON.stringify(input.maxParallel)}`);
  });
  const startedAt = Date.now();
  let status: Progress['status'] = 'planning';
  let dag: Dag = { tasks: [] };
  let states: Record<string, TaskState> = {};
  const errors: Record<string, string> = {};
  const childIds: Record<string, string> = {};
  // Per-task states reported by running partitions: for the progress query only. Scheduling
  // decisions use `states`, which changes only from partition results.
  const live: Record<string, TaskState> = {};
  setHandler(taskStateSignal, ({ taskId, state, error }) => {
    if (states[taskId] === 'running') {
      live[taskId] = state;
      if (error) errors[taskId] = error;
    }
  });
  setHandler(progressQuery, () => ({
    workflowId: info.workflowId,
    date,
    status,
    tasks: dag.tasks.map((t) => ({
      taskId: t.id,
      dataset: t.dataset,
      layer: t.layer,
      deps: t.deps,
      state: states[t.id] === 'running' ? (live[t.id] ?? 'pending') : (states[t.id] ?? 'pending'),
      ...(childIds[t.dataset] ? { partitionWorkflowId: childIds[t.dataset] } : {}),
      ...(errors[t.id] ? { error: errors[t.id] } : {}),
    })),
  }));
  upsertSearchAttributes([
    { key: PARTITION_DATE, value: date },
    { key: STATUS, value: 'running' },
    ...(input.datasets?.length === 1 ? [{ key: DATASET, value: input.datasets[0]! }] : []),
  ]);

  const full = await control.planDag({});
  invalidInput(() => {
    dag = selectDag(full, { datasets: input.datasets, tasks: input.tasks, withDownstream: !!input.tasks?.length && input.downstream !== false });
  });
  states = Object.fromEntries(dag.tasks.map((t) => [t.id, 'pending' as TaskState]));
  status = 'running';

  const byId = new Map(dag.tasks.map((t) => [t.id, t]));
  const summaries = new Map<string, TaskSummary>();
  const plans = partitions(dag);
  const started = new Set<string>();
  // Running partitions started before all their outside deps were decided: what each still
  // has to be told, and its handle once startChild resolved (a signal needs a started child).
  const waiting = new Set<{ untold: string[]; handle?: ChildWorkflowHandle<typeof partitionPipeline> }>();
  let running = 0;
  let changed = false;

  const finish = (s: TaskSummary) => {
    states[s.taskId] = s.state;
    if (s.error) errors[s.taskId] = s.error;
    summaries.set(s.taskId, s);
  };
  if (input.upstream) {
    // deps outside the selection that did not succeed: their dependants are skipped from the start
    const fullDeps = new Map(full.tasks.map((t) => [t.id, t.deps]));
    for (const t of dag.tasks) {
      const cause = fullDeps.get(t.id)?.find((d) => !(d in states) && (input.upstream![d] === 'failed' || input.upstream![d] === 'skipped'));
      if (cause) finish(emptySummary(t, 'skipped', `upstream failed: ${cause}`));
    }
  }
  while (true) {
    const before = states;
    states = propagateSkips(dag, states);
    for (const t of dag.tasks) {
      if (states[t.id] === 'skipped' && before[t.id] !== 'skipped') {
        const cause = t.deps.find((d) => states[d] === 'failed' || states[d] === 'skipped');
        finish(emptySummary(t, 'skipped', `upstream failed: ${cause}`));
      }
    }
    for (const w of waiting) {
      const now = w.handle ? w.untold.filter((d) => isDone(states[d])) : [];
      if (!now.length) continue;
      w.untold = w.untold.filter((d) => !now.includes(d));
      // Fails only if the partition has already finished (nothing left to tell it).
      w.handle!.signal(upstreamSignal, Object.fromEntries(now.map((d) => [d, states[d]!]))).catch(() => undefined);
    }
    let next: PartitionStart | undefined;
    while (running < maxParallel && (next = nextPartition(dag, plans, states, started))) {
      const { plan, awaiting } = next;
      const tasks: DagTask[] = next.tasks.map((id) => byId.get(id)!);
      started.add(plan.dataset);
      for (const t of tasks) states[t.id] = 'running';
      running++;
      const workflowId = partitionWorkflowId(plan.dataset, date);
      childIds[plan.dataset] = workflowId;
      const w: { untold: string[]; handle?: ChildWorkflowHandle<typeof partitionPipeline> } = { untold: awaiting };
      if (awaiting.length) waiting.add(w);
      startChild(partitionPipeline, {
        workflowId,
        args: [{ dataset: plan.dataset, date, runId: info.runId, tasks, ...(awaiting.length ? { awaiting } : {}) }],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        typedSearchAttributes: [
          { key: DATASET, value: plan.dataset },
          { key: PARTITION_DATE, value: date },
        ],
      })
        .then((child) => {
          w.handle = child;
          changed = true; // deps decided while it was starting are told now
          return child.result();
        })
        .then((res) => res.tasks.forEach(finish))
        .catch((e) => tasks.forEach((t) => finish(emptySummary(t, 'failed', `partition ${workflowId}: ${rootMessage(e)}`))))
        .finally(() => {
          running--;
          waiting.delete(w);
          changed = true;
        });
    }
    if (dag.tasks.every((t) => isDone(states[t.id]))) break;
    if (running === 0) {
      // Cannot happen for a DAG buildDag accepted; guard against waiting forever.
      const stuck = dag.tasks.filter((t) => !isDone(states[t.id])).map((t) => t.id);
      throw new Error(`no partition can start; undecided tasks: ${stuck.join(', ')}`);
    }
    await condition(() => changed);
    changed = false;
  }

  const tasks = dag.tasks.map((t) => summaries.get(t.id)!);
  const result: PipelineResult = {
    workflowId: info.workflowId,
    runId: info.runId,
    date,
    status: tasks.every((t) => t.state === 'succeeded') ? 'succeeded' : 'failed',
    tasks,
    layers: Object.fromEntries(
      LAYERS.map((l) => {
        const ts = tasks.filter((t) => t.layer === l);
        const sum = (k: 'rowsIn' | 'rowsOut' | 'quarantined' | 'duplicates') => ts.reduce((n, t) => n + t[k], 0);
        return [l, { rowsIn: sum('rowsIn'), rowsOut: sum('rowsOut'), quarantined: sum('quarantined'), duplicates: sum('duplicates') }];
      }),
    ) as PipelineResult['layers'],
    durationMs: Date.now() - startedAt,
  };
  status = result.status;
  if (input.record !== false && tasks.length) {
    try {
      await control.recordRun({ workflowId: info.workflowId, runId: info.runId, date, tasks });
    } catch (e) {
      // The data work is done and its outcome stands; a ledger outage must not fail the day.
      log.warn('could not record the run in ops.runs', { error: rootMessage(e) });
    }
  }
  upsertSearchAttributes([{ key: STATUS, value: status }]);
  return result;
}
