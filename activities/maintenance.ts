/**
 * Maintenance activities: thin wrappers over lakehouse/maintenance on the worker's shared
 * warehouse, heartbeating while DuckDB rewrites. Each is idempotent: optimize and zorder
 * find nothing left to do on a re-run, vacuum and log cleanup delete what is already gone,
 * restore commits nothing when the table already matches the version.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { datasets } from '../pipeline';
import {
  analyze,
  checkpoint,
  cleanupExpiredLogs,
  optimize,
  restoreTable,
  vacuum,
  zorder,
  VacuumRetentionError,
  type TableAnalysis,
} from '../lakehouse/maintenance';
import type { DeltaTable } from '../lakehouse';
import { sharedContext } from './context';

const HEARTBEAT_EVERY_MS = 5_000;

export interface MaintenanceTarget {
  table: string;
  /** From the dataset declaration owning the table, when it names any. */
  zorderColumns?: string[];
}

export interface AnalyzeSummary {
  table: string;
  version: number;
  files: number;
  bytes: number;
  rows?: number;
  partitions: number;
  smallFiles: number;
  smallFileShare: number;
  partitionSkew: number;
  needsCompaction: boolean;
  reason: string;
  /** Up to 20 partitions needing compaction (the payload stays small). */
  worst: Array<{ partition: string; files: number; smallFiles: number; bytes: number }>;
}

export interface RewriteSummary {
  table: string;
  version: number;
  filesBefore: number;
  filesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  partitionsRewritten: number;
  conflicts: number;
}

/**
 * Runs `work` with a heartbeat timer (DuckDB works off the event loop) and detail updates: every
 * 5 s, or a third of a shorter heartbeat timeout, so a live worker is never taken for dead.
 */
export async function withHeartbeat<T>(first: unknown, work: (beat: (d?: unknown) => void) => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined; // called outside an activity (CLI, tests)
  }
  let last = first;
  const beat = (d?: unknown): void => {
    if (d !== undefined) last = d;
    ctx?.heartbeat(last);
  };
  const timeoutMs = ctx?.info.heartbeatTimeoutMs;
  const timer = setInterval(() => beat(), timeoutMs ? Math.max(200, Math.min(HEARTBEAT_EVERY_MS, timeoutMs / 3)) : HEARTBEAT_EVERY_MS);
  beat();
  try {
    return await work(beat);
  } finally {
    clearInterval(timer);
  }
}

async function openTable(name: string): Promise<DeltaTable> {
  const { warehouse } = await sharedContext();
  const t = await warehouse.table(name);
  if (!t) throw ApplicationFailure.create({ message: `no table ${name} in ${warehouse.url}`, type: 'TableNotFound', nonRetryable: true });
  return t;
}

/** The tables to maintain (all in the warehouse, or the named ones) with their declared Z-order columns. */
export async function listMaintenanceTargets(input: { tables?: string[] } = {}): Promise<MaintenanceTarget[]> {
  const { warehouse } = await sharedContext();
  const all = await warehouse.listTables();
  const names = input.tables ?? all;
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length) throw ApplicationFailure.create({ message: `no table ${unknown.join(', ')} in ${warehouse.url} (tables: ${all.join(', ')})`, type: 'TableNotFound', nonRetryable: true });
  const zorders = new Map<string, string[]>();
  for (const d of datasets()) if (d.zorderColumns?.length) zorders.set(`${d.layer}.${d.name}`, d.zorderColumns);
  return names.map((table) => ({ table, ...(zorders.has(table) ? { zorderColumns: zorders.get(table) } : {}) }));
}

export function summarizeAnalysis(a: TableAnalysis): AnalyzeSummary {
  return {
    table: a.table,
    version: a.version,
    files: a.files,
    bytes: a.bytes,
    ...(a.rows !== undefined ? { rows: a.rows } : {}),
    partitions: a.partitions.length,
    smallFiles: a.smallFiles,
    smallFileShare: a.smallFileShare,
    partitionSkew: a.partitionSkew,
    needsCompaction: a.needsCompaction,
    reason: a.reason,
    worst: a.partitions
      .filter((p) => p.needsCompaction)
      .sort((x, y) => y.smallFiles - x.smallFiles)
      .slice(0, 20)
      .map((p) => ({ partition: p.partition, files: p.files, smallFiles: p.smallFiles, bytes: p.bytes })),
  };
}

export async function analyzeTable(input: { table: string; targetFileSize?: number }): Promise<AnalyzeSummary> {
  return summarizeAnalysis(await analyze(await openTable(input.table), { targetFileSize: input.targetFileSize }));
}

export async function optimizeTable(input: { table: string; targetFileSize?: number; where?: string }): Promise<RewriteSummary> {
  const t = await openTable(input.table);
  return withHeartbeat({ table: input.table, phase: 'optimize' }, async (beat) => {
    const r = await optimize(t, { targetFileSize: input.targetFileSize, where: input.where, heartbeat: beat });
    return { table: r.table, version: r.version, filesBefore: r.filesBefore, filesAfter: r.filesAfter, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter, partitionsRewritten: r.partitions.length - r.conflicts, conflicts: r.conflicts };
  });
}

export async function zorderTable(input: { table: string; columns: string[]; targetFileSize?: number; where?: string }): Promise<RewriteSummary> {
  const t = await openTable(input.table);
  return withHeartbeat({ table: input.table, phase: 'zorder' }, async (beat) => {
    const r = await zorder(t, input.columns, { targetFileSize: input.targetFileSize, where: input.where, heartbeat: beat });
    return { table: r.table, version: r.version, filesBefore: r.filesBefore, filesAfter: r.filesAfter, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter, partitionsRewritten: r.partitions.length - r.conflicts, conflicts: r.conflicts };
  });
}

export async function checkpointTable(input: { table: string }): Promise<{ table: string; version: number }> {
  return checkpoint(await openTable(input.table));
}

export async function vacuumTable(input: { table: string; retentionHours?: number; dryRun?: boolean; force?: boolean }): Promise<{ table: string; files: number; bytes: number; dryRun: boolean; cutoff: string; sample: string[] }> {
  const t = await openTable(input.table);
  return withHeartbeat({ table: input.table, phase: 'vacuum' }, async (beat) => {
    try {
      const r = await vacuum(t, { retentionHours: input.retentionHours, dryRun: input.dryRun, force: input.force, onProgress: beat });
      return { table: r.table, files: r.files.length, bytes: r.bytes, dryRun: r.dryRun, cutoff: r.cutoff, sample: r.files.slice(0, 20).map((f) => f.key) };
    } catch (e) {
      if (e instanceof VacuumRetentionError) throw ApplicationFailure.create({ message: e.message, type: e.name, nonRetryable: true });
      throw e;
    }
  });
}

export async function cleanupTableLogs(input: { table: string }): Promise<{ table: string; deleted: number; fromCheckpoint?: number }> {
  const r = await cleanupExpiredLogs(await openTable(input.table));
  return { table: r.table, deleted: r.deleted.length, ...(r.fromCheckpoint !== undefined ? { fromCheckpoint: r.fromCheckpoint } : {}) };
}

export async function restoreTableToVersion(input: { table: string; version?: number; timestamp?: string }) {
  const t = await openTable(input.table);
  return restoreTable(t, input.version !== undefined ? { version: input.version } : { timestamp: input.timestamp });
}

export const maintenanceActivities = {
  listMaintenanceTargets,
  analyzeTable,
  optimizeTable,
  zorderTable,
  checkpointTable,
  vacuumTable,
  cleanupTableLogs,
  restoreTableToVersion,
};
export type MaintenanceActivities = typeof maintenanceActivities;
