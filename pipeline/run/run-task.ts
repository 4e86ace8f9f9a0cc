import type { TaskContext, TaskInput, TaskResult } from '../types';

/** Runs one task (dataset x layer) for one date; idempotent: run twice, commits once. */
export async function runTask(_ctx: TaskContext, _input: TaskInput): Promise<TaskResult> {
  throw new Error('runTask: not implemented yet');
}
