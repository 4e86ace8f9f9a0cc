/**
 * Table maintenance on the Delta layer, no Temporal: analyze, optimize, zorder, vacuum,
 * checkpoint, expired-log cleanup, restore.
 */
export { analyze, analyzeSnapshot, filesByPartition, partitionLabel, formatBytes, resolvePolicy, DEFAULT_TARGET_FILE_SIZE } from './analyze';
export type { CompactionPolicy, TableAnalysis, PartitionAnalysis, SizeDistribution } from './analyze';
export { optimize, zorder, filesForPredicate, packBins } from './optimize';
export type { OptimizeOptions, OptimizeResult, ZOrderOptions } from './optimize';
export { mortonOrderSql, type Bin, type RewriteOutcome } from './rewrite';
export { vacuum, VacuumRetentionError, DEFAULT_RETENTION_HOURS } from './vacuum';
export type { VacuumOptions, VacuumResult } from './vacuum';
export { cleanupExpiredLogs, parseInterval, DEFAULT_LOG_RETENTION_MS } from './log-cleanup';
export type { LogCleanupResult } from './log-cleanup';
export { restoreTable, type RestoreTableResult } from './restore';
export { checkpoint } from './table-ops';
export type { TableHandle } from './handle';
