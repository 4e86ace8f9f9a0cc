/** Query and result shapes shared by the workflows and their clients (CLI, tests). */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { TaskSummary } from '../activities/types';
import type { TaskLayer, TaskState } from '../pipeline/dag';

export interface TaskProgress {
  taskId: string;
  dataset: string;
  layer: TaskLayer;
  deps: string[];
  state: TaskState;
  partitionWorkflowId?: string;
  error?: string;
}

export interface Progress {
  workflowId: string;
  date: string;
  status: RunStatus;
  tasks: TaskProgress[];
}

export type RunStatus = 'planning' | 'running' | 'succeeded' | 'failed';

export interface PipelineResult {
  workflowId: string;
  runId: string;
  date: string;
  status: 'succeeded' | 'failed';
  tasks: TaskSummary[];
  /** Totals per layer over the tasks that ran. */
  layers: Record<TaskLayer, { rowsIn: number; rowsOut: number; quarantined: number; duplicates: number }>;
  durationMs: number;
}

export interface PartitionResult {
  dataset: string;
  date: string;
  tasks: TaskSummary[];
}

/** `progress` returns the DAG with each task's state. */
export const progressQuery = defineQuery<Progress>('progress');

/** A partition tells its parent each task's state as it changes, so the parent's progress is per task. */
export const taskStateSignal = defineSignal<[{ taskId: string; state: TaskState; error?: string }]>('taskState');

/**
 * The parent tells a partition it started early (`awaiting`) the states of those outside deps
 * as they are decided (succeeded, failed, skipped): task id -> state. Repeats are harmless.
 */
export const upstreamSignal = defineSignal<[Record<string, TaskState>]>('upstream');
