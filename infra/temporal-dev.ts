/**
 * Dynamic config the dev server gets wherever we start it (the stack's service and the test
 * server). The dev server has one history shard, and each shard's transfer queue (the path of
 * every workflow task, activity task, child start and signal) reads at most 20 times a second
 * by default: on one shard that adds 25 ms on average to every hop, ~50 ms to an activity's
 * round trip on an idle machine. At 1,000 reads a second the round trip is ~16-25 ms.
 * (Eager activity dispatch was measured too: the SDK only uses it with more than ~8 activity
 * slots, and the worker keeps 4 so DuckDB tasks stay within one memory budget.)
 */
export const TEMPORAL_DEV_DYNAMIC_CONFIG: Record<string, boolean | number> = {
  'history.transferProcessorMaxPollRPS': 1000,
};

/** The `temporal server start-dev` arguments that set it. */
export function temporalDevConfigArgs(): string[] {
  return Object.entries(TEMPORAL_DEV_DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}
