/**
 * The activities the worker registers. Each is thin: it takes the process's shared
 * Engine/Warehouse and calls into pipeline/ or lakehouse/. Workflows see only ./types.
 */
import { findFailed, recordRun } from './ledger';
import { planDag } from './plan';
import { runTask } from './run-task';
import type { FinanceLakeActivities } from './types';

export const activities: FinanceLakeActivities = { planDag, runTask, recordRun, findFailed };

export { closeSharedContext, sharedContext, useConfig } from './context';
export { validateDeclarations } from './validate';
export { RUNS_TABLE, runsDefinition, recordRunIn, findFailedIn } from './ledger';
export type * from './types';
