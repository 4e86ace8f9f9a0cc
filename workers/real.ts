/** The production parts of a worker: the real activities, the start-up validation, the shared context. */
import type { Config } from '../config/env';
import { activities, closeSharedContext, useConfig } from '../activities';
import { validateWorkerStart } from '../activities/validate';
import type { WorkerOptions } from './worker';

export function realWorkerParts(config: Config): Pick<WorkerOptions, 'activities' | 'validate' | 'close'> {
  return {
    activities,
    validate: async () => {
      await validateWorkerStart(); // throws naming the dataset, rule or tasks
      useConfig(config);
    },
    close: closeSharedContext,
  };
}
