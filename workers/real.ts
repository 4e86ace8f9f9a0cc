/** The production parts of a worker: the real activities, the start-up validation, the shared context. */
import type { Config } from '../config/env';
import { activities, closeSharedContext, useConfig, validateDeclarations } from '../activities';
import type { WorkerOptions } from './worker';

export function realWorkerParts(config: Config): Pick<WorkerOptions, 'activities' | 'validate' | 'close'> {
  return {
    activities,
    validate: () => {
      validateDeclarations(); // throws naming the dataset, rule or tasks
      useConfig(config);
    },
    close: closeSharedContext,
  };
}
