/** The runTask activity: pipeline's runTask with heartbeats and Temporal's failure types. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { QualityFailure, SchemaMismatch, runTask as pipelineRunTask } from '../pipeline';
import { s3Options, sharedContext } from './context';
import type { RunTaskInput, RunTaskResult } from './types';

const HEARTBEAT_EVERY_MS = 5_000;

/** Errors no retry can fix become non-retryable ApplicationFailures carrying their type. */
export function toTemporalFailure(e: unknown): unknown {
  if (e instanceof QualityFailure || e instanceof SchemaMismatch) {
    return ApplicationFailure.create({ message: e.message, type: e.name || e.constructor.name, nonRetryable: true, cause: e });
  }
  // A broken invariant is a bug or bad data, not a transient fault: a retry would count the same rows again.
  if (e instanceof Error && e.name === 'InvariantViolation') {
    return ApplicationFailure.create({ message: e.message, type: 'InvariantViolation', nonRetryable: true, cause: e });
  }
  if (e instanceof Error && (e.name === 'UnknownDataset' || e.name === 'DagError')) {
    return ApplicationFailure.create({ message: e.message, type: 'InvalidInput', nonRetryable: true });
  }
  return e;
}

export async function runTask(input: RunTaskInput): Promise<RunTaskResult> {
  const activity = Context.current();
  const { config, engine, warehouse } = await sharedContext();
  let last: unknown = { taskId: input.taskId, phase: 'start' };
  const beat = (details?: unknown) => {
    if (details !== undefined) last = details;
    activity.heartbeat(last);
  };
  // A timer keeps the heartbeat going while DuckDB works off the event loop,
  // so a long but healthy task is not taken for a dead worker.
  const timer = setInterval(() => beat(), HEARTBEAT_EVERY_MS);
  beat();
  try {
    const result = await pipelineRunTask(
      {
        warehouse,
        engine,
        landing: config.landing,
        ...(s3Options(config, config.landing) ? { s3: s3Options(config, config.landing) } : {}),
        reportDir: config.reportDir,
        ...(config.kafka.enabled
          ? { kafka: { brokers: config.kafka.brokers, clientId: config.kafka.clientId, topics: config.kafka.topics, ...(config.kafka.maxBatchMessages ? { maxBatchMessages: config.kafka.maxBatchMessages } : {}) } }
          : {}),
        heartbeat: beat,
      },
      input,
    );
    return result;
  } catch (e) {
    throw toTemporalFailure(e);
  } finally {
    clearInterval(timer);
  }
}
