/**
 * OPTIMIZE (bin-packing) and Z-ORDER: per partition, one rewrite and one commit, so a
 * conflict on one partition gives way there and the others still compact. Both are
 * idempotent: a re-run finds nothing left to do (compacted partitions have no small files
 * left; Z-ordered files carry a ZORDER_BY tag).
 */
import type { AddFile } from '../delta/actions';
import { FilePredicate } from '../delta/predicate';
import type { Snapshot } from '../delta/snapshot';
import type { Predicate } from '../table';
import type { TableHandle as DeltaTable } from './handle';
import { DEFAULT_TARGET_FILE_SIZE, filesByPartition } from './analyze';
import { rewriteFiles, rowsOf, type RewriteOutcome } from './rewrite';

export interface OptimizeOptions {
  /** Target output file size in bytes (default 128 MB). */
  targetFileSize?: number;
  /** Only partitions matching this predicate over partition columns. */
  where?: Predicate;
  /** Rewrite a partition only when it has at least this many small files (default 2). */
  minFiles?: number;
  heartbeat?: (detail: unknown) => void;
}

export interface OptimizeResult {
  table: string;
  operation: 'OPTIMIZE' | 'ZORDER';
  readVersion: number;
  version: number;
  partitions: RewriteOutcome[];
  filesBefore: number;
  filesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Partitions that gave way to a concurrent replaceWhere/delete. */
  conflicts: number;
}

function selectPartitions(table: DeltaTable, snapshot: Snapshot, where: Predicate | undefined): Map<string, AddFile[]> {
  const groups = filesByPartition(snapshot);
  if (!where) return groups;
  const pred = new FilePredicate(where, snapshot.schema, snapshot.partitionColumns);
  if (!pred.onlyPartitionColumns) throw new Error(`table ${table.name}: the optimize predicate "${where}" may only use partition columns (${snapshot.partitionColumns.join(', ') || 'none'})`);
  return new Map([...groups].filter(([, files]) => pred.matchesPartition(files[0])));
}

async function run(
  table: DeltaTable,
  operation: 'OPTIMIZE' | 'ZORDER',
  plan: (snapshot: Snapshot, files: AddFile[]) => { files: AddFile[]; rowsPerFile?: number } | undefined,
  params: Record<string, unknown>,
  opts: OptimizeOptions & { zorderColumns?: string[] },
): Promise<OptimizeResult> {
  const snapshot = await table.snapshot();
  const target = opts.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  const outcomes: RewriteOutcome[] = [];
  let readVersion = snapshot.version;
  for (const [partition, files] of selectPartitions(table, snapshot, opts.where)) {
    const p = plan(snapshot, files);
    if (!p) continue;
    const out = await rewriteFiles(table, snapshot, partition, p.files, {
      operation: 'OPTIMIZE',
      operationParameters: params,
      targetFileSize: target,
      zorder: opts.zorderColumns ? { columns: opts.zorderColumns, rowsPerFile: p.rowsPerFile! } : undefined,
      heartbeat: opts.heartbeat,
      readVersion,
    });
    if (out.version !== undefined) readVersion = out.version;
    outcomes.push(out);
    opts.heartbeat?.({ operation, partition, done: outcomes.length });
  }
  const filesBefore = snapshot.files.length;
  const bytesBefore = snapshot.files.reduce((s, f) => s + f.size, 0);
  const done = outcomes.filter((o) => o.status === 'rewritten');
  return {
    table: table.name,
    operation,
    readVersion: snapshot.version,
    version: readVersion,
    partitions: outcomes,
    filesBefore,
    filesAfter: filesBefore + done.reduce((s, o) => s + o.filesAfter - o.filesBefore, 0),
    bytesBefore,
    bytesAfter: bytesBefore + done.reduce((s, o) => s + o.bytesAfter - o.bytesBefore, 0),
    conflicts: outcomes.length - done.length,
  };
}

/** Bin-packs each partition's files smaller than 3/4 of the target into files near the target size. */
export async function optimize(table: DeltaTable, opts: OptimizeOptions = {}): Promise<OptimizeResult> {
  const target = opts.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  const minFiles = Math.max(2, opts.minFiles ?? 2);
  return run(
    table,
    'OPTIMIZE',
    (_s, files) => {
      const small = files.filter((f) => f.size < target * 0.75);
      return small.length >= minFiles ? { files: small } : undefined;
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
    (snapshot, files) => {
      const parts = new Set(snapshot.partitionColumns);
      const bad = columns.filter((c) => parts.has(c));
      if (bad.length) throw new Error(`table ${table.name}: zorder columns ${bad.join(', ')} are partition columns (constant within a partition)`);
      if (files.every((f) => f.tags?.ZORDER_BY === tag)) return undefined;
      const rows = rowsOf(files);
      const bytes = files.reduce((s, f) => s + f.size, 0);
      const rowsPerFile = opts.rowsPerFile ?? (rows ? Math.max(1, Math.floor(target / Math.max(1, bytes / rows))) : 1_000_000);
      return { files, rowsPerFile };
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
