/**
 * Every workflow the worker registers. Later workflows (maintenance, backup, restore,
 * drDrill) are exported from here too, each in its own module.
 */
export { dailyPipeline, type DailyPipelineInput } from './daily-pipeline';
export { partitionPipeline, type PartitionInput } from './partition';
export { backfill, type BackfillInput, type BackfillResult } from './backfill';
export { replayFailed, type ReplayFailedInput, type ReplayFailedResult } from './replay-failed';
export { progressQuery, type Progress, type PipelineResult, type PartitionResult } from './progress';
export { maintenance, type MaintenanceInput, type MaintenanceResult } from './maintenance';
export { backup, restoreWarehouse, drDrill, type BackupInput, type RestoreWarehouseInput, type DrDrillInput } from './backup';
