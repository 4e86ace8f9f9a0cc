/**
 * A bounded-concurrency map: at most `limit` calls of `fn` in flight, results in input order.
 * Copies and rewrites run through it so a large table never opens hundreds of sockets at once.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (failed === undefined) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const i = next++;
      if (i >= items.length) return;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        failed ??= err;
        throw err;
      }
    }
  });
  const settled = await Promise.allSettled(workers);
  if (failed !== undefined) throw failed;
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return results;
}

/**
 * A FIFO gate shared by several kinds of work (data copies, then log reads queued behind
 * them): at most `limit` tasks run at once, in the order queued. After the first failure or
 * an abort, queued tasks fail without running.
 */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => Promise<void>> = [];
  private failure: { err: unknown } | undefined;

  constructor(readonly limit: number, private readonly signal?: AbortSignal) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(async () => {
        try {
          if (this.failure) throw this.failure.err;
          if (this.signal?.aborted) throw this.signal.reason ?? new Error('aborted');
          resolve(await fn());
        } catch (err) {
          this.failure ??= { err };
          reject(err);
        }
      });
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < Math.max(1, this.limit) && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.active++;
      void task().finally(() => {
        this.active--;
        this.pump();
      });
    }
  }
}

/** Awaits every promise (none left running behind), then throws the first failure. */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
