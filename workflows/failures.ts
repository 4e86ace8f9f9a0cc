/** Turning thrown errors into what a run summary and Temporal need. Pure; workflow code. */
import { ApplicationFailure } from '@temporalio/workflow';

/** Errors that retrying cannot fix: the activities raise them as non-retryable ApplicationFailures. */
export const NON_RETRYABLE_TYPES = ['QualityFailure', 'SchemaMismatch', 'DagError', 'InvalidInput'];

/** The innermost message of a failure chain (ActivityFailure -> ApplicationFailure -> ...), with its type. */
export function rootMessage(err: unknown): string {
  let e: any = err;
  let msg = e instanceof Error ? e.message : String(e);
  let type: string | undefined;
  while (e && typeof e === 'object' && e.cause) {
    e = e.cause;
    if (e instanceof Error && e.message) msg = e.message;
    if (e && typeof e.type === 'string') type = e.type;
  }
  return type && !msg.startsWith(type) ? `${type}: ${msg}` : msg;
}

/** Bad workflow input fails the workflow (not just the workflow task, which would retry forever). */
export function invalidInput(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    throw ApplicationFailure.nonRetryable(e instanceof Error ? e.message : String(e), 'InvalidInput');
  }
}
