/**
 * The activity interface as workflows see it: types only, no runtime code, so workflow
 * code can `import type` it without pulling Node APIs into the deterministic sandbox.
 */
import type { Dag, TaskLayer, TaskState } from '../pipeline/dag';
import type { TaskResult } from '../pipeline/types';

export interface RunTaskInput {
  taskId: string; // '<layer>.<dataset>'
  date: string; // YYYY-MM-DD
  runId: string;
}

/** pipeline's TaskResult, as it crosses the activity boundary (JSON); a type-only import, erased from workflow bundles. */
export type RunTaskResult = TaskResult;

/** One task's outcome in a run summary. */
export interface TaskSummary {
  taskId: string;
  dataset: string;
  layer: TaskLayer;
  state: TaskState;
  rowsIn: number;
  rowsOut: number;
  quarantined: number;
  duplicates: number;
  invariantOk?: boolean;
  durationMs: number;
  error?: string;
  qualityReport?: string;
}

export interface RunRecord {
  workflowId: string;
  runId: string;
  date: string;
  tasks: TaskSummary[];
}

export interface FailedTasks {
  date: string;
  tasks: string[]; // task ids whose latest recorded state is failed or skipped
}

export interface PlanDagInput {
  datasets?: string[];
}

export interface FinanceLakeActivities {
  /** The DAG derived from the declarations (validated), recorded in history. */
  planDag(input: PlanDagInput): Promise<Dag>;
  /** One task for one date through pipeline's runTask; idempotent. */
  runTask(input: RunTaskInput): Promise<RunTaskResult>;
  /** Append a run's per-task outcomes to the run ledger (ops.runs); idempotent per runId. */
  recordRun(record: RunRecord): Promise<void>;
  /** Dates in [from, to] whose latest recorded outcome of some task is failed or skipped. */
  findFailed(input: { from: string; to: string }): Promise<FailedTasks[]>;
}
