/**
 * maintenance: per table analyze -> optimize (where the analysis says so) -> Z-order (where
 * the dataset declares columns) -> checkpoint -> vacuum -> expired-log cleanup, tables in
 * parallel up to `maxParallel`. One table failing does not stop the others; the workflow
 * fails at the end naming them. Safe beside the daily pipeline: optimize only commits
 * dataChange=false rewrites and gives way to conflicting writers.
 *
 * Started by the nightly maintenance Schedule, or from the UI with {"tables":["silver.transactions"]}.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { AnalyzeSummary, MaintenanceActivities, RewriteSummary } from '../activities/maintenance';
import { NON_RETRYABLE_TYPES, rootMessage } from './failures';

export interface MaintenanceInput {
  tables?: string[];
  /** Target file size in bytes (default 128 MB). */
  targetFileSize?: number;
  /** Vacuum retention (default 168 h; lower values need force). */
  retentionHours?: number;
  forceRetention?: boolean;
  /** Vacuum lists only. */
  dryRun?: boolean;
  /** Skip Z-ordering even where declared. */
  skipZorder?: boolean;
  maxParallel?: number;
  /** How long a rewrite may go without a heartbeat before Temporal retries it elsewhere (default '2 minutes'). */
  heartbeatTimeout?: string;
}

export interface TableMaintenanceResult {
  table: string;
  analysis?: AnalyzeSummary;
  optimize?: RewriteSummary;
  zorder?: RewriteSummary;
  checkpointVersion?: number;
  vacuumed?: { files: number; bytes: number; dryRun: boolean };
  logFilesDeleted?: number;
  error?: string;
}

export interface MaintenanceResult {
  tables: TableMaintenanceResult[];
  failed: string[];
}

const quick = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES, 'TableNotFound', 'VacuumRetentionError'] },
});
// Rewrites and deletions can take long: they heartbeat, so a dead worker is noticed within the
// heartbeat timeout and the activity retried on another (a re-run finds only what is left to do).
function longActivities(heartbeatTimeout = '2 minutes') {
  return proxyActivities<MaintenanceActivities>({
    startToCloseTimeout: '4 hours',
    heartbeatTimeout,
    retry: { maximumAttempts: 5, initialInterval: '5 seconds', maximumInterval: '1 minute', nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES, 'TableNotFound', 'VacuumRetentionError'] },
  });
}

async function maintainTable(target: { table: string; zorderColumns?: string[] }, input: MaintenanceInput): Promise<TableMaintenanceResult> {
  const r: TableMaintenanceResult = { table: target.table };
  const long = longActivities(input.heartbeatTimeout);
  try {
    r.analysis = await quick.analyzeTable({ table: target.table, targetFileSize: input.targetFileSize });
    if (r.analysis.needsCompaction) r.optimize = await long.optimizeTable({ table: target.table, targetFileSize: input.targetFileSize });
    if (target.zorderColumns?.length && !input.skipZorder) r.zorder = await long.zorderTable({ table: target.table, columns: target.zorderColumns, targetFileSize: input.targetFileSize });
    r.checkpointVersion = (await quick.checkpointTable({ table: target.table })).version;
    const v = await long.vacuumTable({ table: target.table, retentionHours: input.retentionHours, dryRun: input.dryRun, force: input.forceRetention });
    r.vacuumed = { files: v.files, bytes: v.bytes, dryRun: v.dryRun };
    if (!input.dryRun) r.logFilesDeleted = (await quick.cleanupTableLogs({ table: target.table })).deleted;
  } catch (e) {
    r.error = rootMessage(e);
  }
  return r;
}

export async function maintenance(input: MaintenanceInput = {}): Promise<MaintenanceResult> {
  const targets = await quick.listMaintenanceTargets({ tables: input.tables });
  const results: TableMaintenanceResult[] = new Array(targets.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(input.maxParallel ?? 2, targets.length)) }, async () => {
    while (next < targets.length) {
      const i = next++;
      results[i] = await maintainTable(targets[i], input);
    }
  });
  await Promise.all(lanes);
  const failed = results.filter((r) => r.error).map((r) => r.table);
  if (failed.length) {
    throw ApplicationFailure.nonRetryable(`maintenance failed for ${failed.map((t) => `${t} (${results.find((r) => r.table === t)!.error})`).join('; ')}`, 'MaintenanceFailed', { tables: results, failed });
  }
  return { tables: results, failed };
}
