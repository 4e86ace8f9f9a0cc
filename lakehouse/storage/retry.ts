/**
 * Bounded retries with exponential backoff and full jitter for transient storage failures.
 * Only errors marked retryable (StorageError.retryable) are retried; the last one is rethrown
 * as is, so callers (e.g. a Temporal activity) can still decide to retry later themselves.
 */
import { StorageError } from './object-store';

export interface RetryOptions {
  /** Total attempts including the first (default 4). */
  attempts?: number;
  /** First backoff in ms (default 100); doubles each time, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 };

export function isRetryable(err: unknown): boolean {
  return err instanceof StorageError && err.retryable;
}

export function backoffMs(attempt: number, opts: Required<RetryOptions>): number {
  const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

export async function withRetry<T>(opts: RetryOptions | undefined, fn: (attempt: number) => Promise<T>): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...opts };
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || attempt + 1 >= o.attempts) throw err;
      await new Promise((r) => setTimeout(r, backoffMs(attempt, o)));
    }
  }
}

/** Node socket errors that mean "try again": the peer is down, restarting or dropped us. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

export function isTransientNetworkError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && /socket hang up|aborted|timed? ?out/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err && isTransientNetworkError(e.cause);
}
