/** The control-plane activities workflows call themselves (planDag, recordRun, findFailed): short, retried, non-retryable on bad input. */
import { proxyActivities } from '@temporalio/workflow';
import type { FinanceLakeActivities } from '../activities/types';
import { NON_RETRYABLE_TYPES } from './failures';

export const control = proxyActivities<FinanceLakeActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '20 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
});
