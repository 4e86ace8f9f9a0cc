/**
 * The activities the worker registers. Each is thin: it takes the process's shared
 * Engine/Warehouse and calls into pipeline/ or lakehouse/. Workflows see only ./types.
 */
import { findFailed, recordRun } from './ledger';
import { planDag } from './plan';
import { runTask } from './run-task';
import type { FinanceLakeActivities } from './types';
import { maintenanceActivities, type MaintenanceActivities } from './maintenance';
import { backupActivities, type BackupActivities } from './backup';

export const activities: FinanceLakeActivities & MaintenanceActivities & BackupActivities = { planDag, runTask, recordRun, findFailed, ...maintenanceActivities, ...backupActivities };

export { closeSharedContext, sharedContext, useConfig } from './context';
export { validateDeclarations } from './validate';
export { RUNS_TABLE, runsDefinition, recordRunIn, findFailedIn } from './ledger';
export type * from './types';
