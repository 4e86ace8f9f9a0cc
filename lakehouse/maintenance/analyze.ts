/**
 * Compaction analysis from the snapshot alone (no data read): per partition, file count,
 * size distribution, small-file share, rows per file (from add.stats), and per table the
 * partition skew, with a `needsCompaction` verdict and its reason.
 */
import { parseStats, type AddFile } from '../delta/actions';
import type { Snapshot } from '../delta/snapshot';
import { DEFAULT_TARGET_FILE_SIZE } from '../engine/write';
import type { TableHandle as DeltaTable } from './handle';

export { DEFAULT_TARGET_FILE_SIZE };

export interface CompactionPolicy {
  /** Files are rewritten towards this size (bytes; default 128 MB). */
  targetFileSize?: number;
  /** A file under this size is small (default targetFileSize / 4). */
  smallFileSize?: number;
  /** A partition needs compaction with at least this many small files (default 4)... */
  minSmallFiles?: number;
  /** ...making up at least this share of its files (default 0.5). */
  minSmallFileShare?: number;
}

export interface SizeDistribution {
  min: number;
  p50: number;
  p90: number;
  max: number;
  mean: number;
}

export interface PartitionAnalysis {
  /** 'date=2024-01-01/region=EU', or '' for an unpartitioned table. */
  partition: string;
  partitionValues: Record<string, string | null>;
  files: number;
  bytes: number;
  rows: number | undefined;
  rowsPerFile: number | undefined;
  smallFiles: number;
  smallFileShare: number;
  sizes: SizeDistribution;
  needsCompaction: boolean;
  reason: string;
}

export interface TableAnalysis {
  table: string;
  version: number;
  files: number;
  bytes: number;
  rows: number | undefined;
  partitions: PartitionAnalysis[];
  smallFiles: number;
  smallFileShare: number;
  sizes: SizeDistribution;
  /** Largest partition's bytes over the median partition's (1 = even). */
  partitionSkew: number;
  needsCompaction: boolean;
  reason: string;
  policy: Required<CompactionPolicy>;
}

export function resolvePolicy(p: CompactionPolicy = {}): Required<CompactionPolicy> {
  const targetFileSize = p.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  return { targetFileSize, smallFileSize: p.smallFileSize ?? Math.floor(targetFileSize / 4), minSmallFiles: p.minSmallFiles ?? 4, minSmallFileShare: p.minSmallFileShare ?? 0.5 };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function distribution(sizes: number[]): SizeDistribution {
  const s = [...sizes].sort((a, b) => a - b);
  const total = s.reduce((a, b) => a + b, 0);
  return { min: s[0] ?? 0, p50: quantile(s, 0.5), p90: quantile(s, 0.9), max: s[s.length - 1] ?? 0, mean: s.length ? Math.round(total / s.length) : 0 };
}

export function partitionLabel(values: Record<string, string | null>, columns: string[]): string {
  return columns.map((c) => `${c}=${values[c] ?? '__HIVE_DEFAULT_PARTITION__'}`).join('/');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Groups a snapshot's files by partition (order of first appearance sorted by label). */
export function filesByPartition(snapshot: Snapshot): Map<string, AddFile[]> {
  const groups = new Map<string, AddFile[]>();
  for (const f of snapshot.files) {
    const label = partitionLabel(f.partitionValues ?? {}, snapshot.partitionColumns);
    let g = groups.get(label);
    if (!g) groups.set(label, (g = []));
    g.push(f);
  }
  return new Map([...groups].sort((a, b) => a[0].localeCompare(b[0])));
}

function analyzePartition(label: string, files: AddFile[], policy: Required<CompactionPolicy>): PartitionAnalysis {
  const sizes = files.map((f) => f.size);
  const bytes = sizes.reduce((a, b) => a + b, 0);
  const rowCounts = files.map((f) => parseStats(f.stats)?.numRecords);
  const rows = rowCounts.every((r) => typeof r === 'number') ? (rowCounts as number[]).reduce((a, b) => a + b, 0) : undefined;
  const small = sizes.filter((s) => s < policy.smallFileSize).length;
  const share = files.length ? small / files.length : 0;
  const needs = small >= policy.minSmallFiles && share >= policy.minSmallFileShare;
  const reason = needs
    ? `${small} of ${files.length} files are under ${formatBytes(policy.smallFileSize)} (mean ${formatBytes(Math.round(bytes / files.length))}); compacting gives about ${Math.max(1, Math.ceil(bytes / policy.targetFileSize))} file(s)`
    : small < policy.minSmallFiles
      ? `${small} small file(s), fewer than ${policy.minSmallFiles}`
      : `small files are ${(share * 100).toFixed(0)}% of ${files.length}, under ${(policy.minSmallFileShare * 100).toFixed(0)}%`;
  return {
    partition: label,
    partitionValues: files[0]?.partitionValues ?? {},
    files: files.length,
    bytes,
    rows,
    rowsPerFile: rows === undefined || files.length === 0 ? undefined : Math.round(rows / files.length),
    smallFiles: small,
    smallFileShare: share,
    sizes: distribution(sizes),
    needsCompaction: needs,
    reason,
  };
}

/** Analysis of a snapshot (pure; unit-testable from actions). */
export function analyzeSnapshot(snapshot: Snapshot, policy: CompactionPolicy = {}): TableAnalysis {
  const p = resolvePolicy(policy);
  const partitions = [...filesByPartition(snapshot)].map(([label, files]) => analyzePartition(label, files, p));
  const files = snapshot.files;
  const bytes = partitions.reduce((s, x) => s + x.bytes, 0);
  const rows = partitions.every((x) => x.rows !== undefined) ? partitions.reduce((s, x) => s + (x.rows ?? 0), 0) : undefined;
  const smallFiles = partitions.reduce((s, x) => s + x.smallFiles, 0);
  const partBytes = partitions.map((x) => x.bytes).sort((a, b) => a - b);
  const median = quantile(partBytes, 0.5);
  const skew = partBytes.length && median > 0 ? partBytes[partBytes.length - 1] / median : 1;
  const needing = partitions.filter((x) => x.needsCompaction);
  const reason = needing.length
    ? `${needing.length} of ${partitions.length} partition(s) need compaction: ${needing
        .slice(0, 3)
        .map((x) => `${x.partition || '(table)'}: ${x.reason}`)
        .join('; ')}${needing.length > 3 ? '; …' : ''}`
    : `no partition has ${p.minSmallFiles}+ files under ${formatBytes(p.smallFileSize)} making up ${(p.minSmallFileShare * 100).toFixed(0)}% of its files`;
  return {
    table: snapshot.table,
    version: snapshot.version,
    files: files.length,
    bytes,
    rows,
    partitions,
    smallFiles,
    smallFileShare: files.length ? smallFiles / files.length : 0,
    sizes: distribution(files.map((f) => f.size)),
    partitionSkew: Math.round(skew * 100) / 100,
    needsCompaction: needing.length > 0,
    reason,
    policy: p,
  };
}

export async function analyze(table: DeltaTable, policy: CompactionPolicy & { version?: number } = {}): Promise<TableAnalysis> {
  const snapshot = await table.snapshot(policy.version !== undefined ? { version: policy.version } : undefined);
  return { ...analyzeSnapshot(snapshot, policy), table: table.name };
}
