import { main as workerMain } from '../../workers/main';
import { parse } from '../args';
import type { Command } from '../command';

const usage = 'financelake worker   (task queue, concurrency from the environment: TEMPORAL_TASK_QUEUE, WORKER_MAX_CONCURRENT_ACTIVITIES)';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run a worker on the financelake task queue until Ctrl-C',
  usage,
  async run(argv) {
    parse(argv, {}, usage);
    await workerMain();
    return 0;
  },
};
