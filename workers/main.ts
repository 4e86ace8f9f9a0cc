/**
 * The worker process: `tsx workers/main.ts` (or `financelake worker`). Polls the configured
 * task queue until SIGINT/SIGTERM, then finishes running activities and exits. Start two
 * side by side and they share the work.
 */
import { loadConfig } from '../config/env';
import { realWorkerParts } from './real';
import { createWorker } from './worker';

export async function main(): Promise<void> {
  const config = loadConfig();
  const { worker, run } = await createWorker({ config, ...realWorkerParts(config) });
  console.log(`financelake worker ${worker.options.identity}: task queue '${worker.options.taskQueue}' on ${config.temporal.address} (namespace ${config.temporal.namespace}), up to ${config.worker.maxConcurrentActivities} activities at once; Ctrl-C stops it`);
  // The Temporal runtime installs SIGINT/SIGTERM handlers that shut the worker down gracefully.
  await run();
  console.log('financelake worker: stopped');
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`financelake worker: refused to start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
