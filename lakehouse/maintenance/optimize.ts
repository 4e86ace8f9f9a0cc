/**
 * OPTIMIZE (bin-packing) and Z-ORDER. Both plan bins of one partition's files from the
 * snapshot and hand them to rewriteBins (concurrent rewrites, batched commits; a bin whose
 * files a concurrent writer removed gives way, the others still compact). Both are
 * idempotent: a re-run finds nothing left to do (compacted partitions have no bin of two or
 * more small files left; Z-ordered files carry a ZORDER_BY tag).
 */
import type { AddFile } from '../delta/actions';
import { FilePredicate } from '../delta/predicate';
import type { Snapshot } from '../delta/snapshot';
import type { Predicate } from '../table';
import type { TableHandle as DeltaTable } from './handle';
import { DEFAULT_TARGET_FILE_SIZE, filesByPartition } from './analyze';
import { rewriteBins, rowsOf, type Bin, type RewriteOutcome } from './rewrite';

export interface OptimizeOptions {
  /** Target output file size in bytes (default 128 MB). */
  targetFileSize?: number;
  /** Only partitions matching this predicate over partition columns. */
  where?: Predicate;
  /** Rewrite a partition only when it has at least this many small files (default 2). */
  minFiles?: number;
  /** Bins rewritten at once (default: the engine's DuckDB threads). */
  concurrency?: number;
  /** Bins per commit (default 64). */
  binsPerCommit?: number;
  heartbeat?: (detail: unknown) => void;
}

export interface OptimizeResult {
  table: string;
  operation: 'OPTIMIZE' | 'ZORDER';
  readVersion: number;
  version: number;
  /** Versions this run committed (one per batch of bins; none when there was nothing to do). */
  commits: number[];
  partitions: RewriteOutcome[];
  filesBefore: number;
  filesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Partitions that gave way (in part or whole) to a concurrent replaceWhere/delete. */
  conflicts: number;
}

function selectPartitions(table: DeltaTable, snapshot: Snapshot, where: Predicate | undefined): Map<string, AddFile[]> {
  const groups = filesByPartition(snapshot);
  if (!where) return groups;
  const pred = new FilePredicate(where, snapshot.schema, snapshot.partitionColumns);
  if (!pred.onlyPartitionColumns) throw new Error(`table ${table.name}: the optimize predicate "${where}" may only use partition columns (${snapshot.partitionColumns.join(', ') || 'none'})`);
  return new Map([...groups].filter(([, files]) => pred.matchesPartition(files[0])));
}

/**
 * Splits files (in log order, so rows written together stay together) into the fewest bins
 * of at most about `target` bytes, of even size: 190 MB at a 128 MB target makes two bins of
 * 95 MB rather than 128 + 62, so the bins run side by side in equal time. Bins of one file
 * would rewrite it unchanged and are dropped.
 */
export function packBins(partition: string, files: AddFile[], target: number): Bin[] {
  const total = files.reduce((s, f) => s + f.size, 0);
  const n = Math.max(1, Math.ceil(total / target));
  const groups: AddFile[][] = Array.from({ length: n }, () => []);
  let before = 0;
  for (const f of files) {
    // A file goes to the bin its middle byte falls in.
    groups[total > 0 ? Math.min(n - 1, Math.floor(((before + f.size / 2) * n) / total)) : 0].push(f);
    before += f.size;
  }
  return groups.filter((g) => g.length >= 2).map((g) => ({ partition, files: g }));
}

async function run(table: DeltaTable, operation: 'OPTIMIZE' | 'ZORDER', plan: (snapshot: Snapshot, partition: string, files: AddFile[]) => Bin[], params: Record<string, unknown>, opts: OptimizeOptions & { zorderColumns?: string[] }): Promise<OptimizeResult> {
  const snapshot = await table.snapshot();
  const bins = [...selectPartitions(table, snapshot, opts.where)].flatMap(([partition, files]) => plan(snapshot, partition, files));
  const r = await rewriteBins(table, snapshot, bins, {
    operation: 'OPTIMIZE',
    operationParameters: params,
    targetFileSize: opts.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE,
    zorder: opts.zorderColumns ? { columns: opts.zorderColumns } : undefined,
    heartbeat: opts.heartbeat,
    concurrency: opts.concurrency,
    binsPerCommit: opts.binsPerCommit,
  });
  const filesBefore = snapshot.files.length;
  const bytesBefore = snapshot.files.reduce((s, f) => s + f.size, 0);
  return {
    table: table.name,
    operation,
    readVersion: snapshot.version,
    version: r.version,
    commits: r.commits,
    partitions: r.partitions,
    filesBefore,
    filesAfter: filesBefore + r.partitions.reduce((s, o) => s + o.filesAfter - o.filesBefore, 0),
    bytesBefore,
    bytesAfter: bytesBefore + r.partitions.reduce((s, o) => s + o.bytesAfter - o.bytesBefore, 0),
    conflicts: r.partitions.filter((o) => o.status === 'conflict').length,
  };
}

/** Bin-packs each partition's files smaller than 3/4 of the target into files near the target size (packBins). */
export async function optimize(table: DeltaTable, opts: OptimizeOptions = {}): Promise<OptimizeResult> {
  const target = opts.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  const minFiles = Math.max(2, opts.minFiles ?? 2);
  return run(
    table,
    'OPTIMIZE',
    (_s, partition, files) => {
      const small = files.filter((f) => f.size < target * 0.75);
      return small.length >= minFiles ? packBins(partition, small, target) : [];
    },
    { targetSize: target, predicate: opts.where ?? null, zOrderBy: [] },
    opts,
  );
}

export interface ZOrderOptions extends OptimizeOptions {
  /** Rows per output file (default: the target size over the partition's bytes per row). */
  rowsPerFile?: number;
}

/**
 * Rewrites each partition ordered by the Morton key of `columns`. Partitions whose files all
 * carry the same ZORDER_BY tag are already done and skipped.
 */
export async function zorder(table: DeltaTable, columns: string[], opts: ZOrderOptions = {}): Promise<OptimizeResult> {
  const target = opts.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  const tag = columns.join(',');
  return run(
    table,
    'ZORDER',
    (snapshot, partition, files) => {
      const parts = new Set(snapshot.partitionColumns);
      const bad = columns.filter((c) => parts.has(c));
      if (bad.length) throw new Error(`table ${table.name}: zorder columns ${bad.join(', ')} are partition columns (constant within a partition)`);
      if (files.every((f) => f.tags?.ZORDER_BY === tag)) return [];
      const rows = rowsOf(files);
      const bytes = files.reduce((s, f) => s + f.size, 0);
      const rowsPerFile = opts.rowsPerFile ?? (rows ? Math.max(1, Math.floor(target / Math.max(1, bytes / rows))) : 1_000_000);
      return [{ partition, files, rowsPerFile }];
    },
    { targetSize: target, predicate: opts.where ?? null, zOrderBy: columns },
    { ...opts, zorderColumns: columns },
  );
}

/** Files a query with `predicate` would read (partition pruning, then stats), as the scan plans them. */
export async function filesForPredicate(table: DeltaTable, predicate: Predicate, at?: { version?: number }): Promise<{ filesTotal: number; filesScanned: number; bytesScanned: number }> {
  const snapshot = await table.snapshot(at);
  const pred = new FilePredicate(predicate, snapshot.schema, snapshot.partitionColumns);
  const hit = snapshot.files.filter((f) => pred.mayMatch(f));
  return { filesTotal: snapshot.files.length, filesScanned: hit.length, bytesScanned: hit.reduce((s, f) => s + f.size, 0) };
}
