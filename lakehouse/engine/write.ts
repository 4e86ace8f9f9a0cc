/**
 * Writing data files: DuckDB COPY of a query into the table location (Hive partition folders,
 * unique names, zstd), RETURN_STATS turned into Delta add actions with stats JSON, so stats
 * cost no second pass. Stores DuckDB cannot reach are written to local staging, then uploaded.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ObjectStore } from '../storage/object-store';
import { encodePath, type AddFile, type FileStats } from '../delta/actions';
import { duckdbType, ident, literal, type DeltaType, type Field } from '../delta/schema';
import type { Engine } from './duckdb';

export interface WriteFilesOptions {
  /** Store rooted at the table. */
  store: ObjectStore;
  /** A DuckDB SELECT; its columns are already checked against `fields`. */
  query: string;
  /** The table schema the files must hold (partition columns included). */
  fields: Field[];
  partitionColumns: string[];
  /** Columns of `fields` the query does not produce: written as NULL. */
  missingColumns?: string[];
  targetFileSizeBytes?: number;
  compression?: 'zstd' | 'snappy';
  /** zstd level (1-22); default ZSTD_LEVEL. */
  compressionLevel?: number;
  conn?: DuckDBConnection;
  /** SQL boolean over the table's columns every row must satisfy; a row that does not fails the write. */
  check?: { sql: string; message: string };
  table?: string;
}

export interface WrittenFiles {
  adds: AddFile[];
  /** Store keys written, for cleanup when the commit fails. */
  keys: string[];
  rows: number;
  bytes: number;
}

/** The file size writes and compaction aim for (128 MB, as Delta's OPTIMIZE). */
export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;
/**
 * zstd level 1, not DuckDB's default 3: on our tables (text-heavy bronze and typed silver) it wrote
 * the same size of file (16.5 vs 16.7 MB for 333k bronze rows) in about half the time, and
 * compression is most of a write's CPU. docs/decisions.md has the measurement.
 */
export const ZSTD_LEVEL = 1;

/** Local path or s3:// URL of the table root, as DuckDB sees it; undefined when unreachable. */
export function directRoot(store: ObjectStore): string | undefined {
  const probe = store.directPath('_delta_log');
  return probe === undefined ? undefined : probe.slice(0, -'/_delta_log'.length);
}

export async function writeFiles(engine: Engine, opts: WriteFilesOptions): Promise<WrittenFiles> {
  const writeId = randomUUID();
  const root = directRoot(opts.store);
  const staging = root === undefined ? await fs.mkdtemp(path.join(engine.options.cacheDir ?? os.tmpdir(), 'financelake-stage-')) : undefined;
  const target = staging ?? root!;
  const missing = new Set(opts.missingColumns ?? []);
  const projection = opts.fields
    .map((f) => (missing.has(f.name) ? `CAST(NULL AS ${duckdbType(f.type)}) AS ${ident(f.name)}` : `CAST(q.${ident(f.name)} AS ${duckdbType(f.type)}) AS ${ident(f.name)}`))
    .join(', ');
  const notNull = opts.fields.filter((f) => f.nullable === false);
  const checks: string[] = [];
  for (const f of notNull) {
    checks.push(`CASE WHEN ${ident(f.name)} IS NULL THEN error(${literal(`table ${opts.table ?? opts.store.url}: column ${f.name} is not nullable but the written data holds NULL`)}) ELSE TRUE END`);
  }
  if (opts.check) checks.push(`CASE WHEN (${opts.check.sql}) IS NOT TRUE THEN error(${literal(opts.check.message)}) ELSE TRUE END`);
  const select = `SELECT * FROM (SELECT ${projection} FROM (${opts.query}) AS q)${checks.length ? ` WHERE ${checks.join(' AND ')}` : ''}`;
  const copyOpts = [
    'FORMAT parquet',
    `COMPRESSION ${opts.compression ?? 'zstd'}`,
    ...((opts.compression ?? 'zstd') === 'zstd' ? [`COMPRESSION_LEVEL ${opts.compressionLevel ?? ZSTD_LEVEL}`] : []),
    'RETURN_STATS true',
    `FILENAME_PATTERN ${literal(`part-${writeId}-{uuid}`)}`,
    'ROW_GROUP_SIZE 122880',
    'APPEND',
  ];
  // DuckDB cannot rotate files inside PARTITION_BY: a partitioned write makes about one file per
  // partition, and the target size applies to unpartitioned tables (compaction evens the rest).
  if (opts.partitionColumns.length > 0) copyOpts.push(`PARTITION_BY (${opts.partitionColumns.map(ident).join(', ')})`);
  else copyOpts.push(`FILE_SIZE_BYTES ${Math.max(64 * 1024, opts.targetFileSizeBytes ?? DEFAULT_TARGET_FILE_SIZE)}`);
  const sql = `COPY (${select}) TO ${literal(target)} (${copyOpts.join(', ')})`;
  const types = new Map(opts.fields.map((f) => [f.name, f.type]));
  try {
    if (staging === undefined && !target.includes('://')) await fs.mkdir(target, { recursive: true });
    const rows = await engine.all<CopyStatsRow>(sql, opts.conn);
    const adds: AddFile[] = [];
    const keys: string[] = [];
    let total = 0;
    let bytes = 0;
    const now = Date.now();
    for (const r of rows) {
      const rel = relativeTo(target, r.filename);
      if (staging !== undefined) await opts.store.putFile(rel, r.filename);
      keys.push(rel);
      const add: AddFile = {
        path: encodePath(rel),
        partitionValues: partitionValues(opts.partitionColumns, types, r.partition_keys),
        size: Number(r.file_size_bytes),
        modificationTime: now,
        dataChange: true,
        stats: JSON.stringify(fileStats(Number(r.count), r.column_statistics, types, new Set(opts.partitionColumns))),
      };
      adds.push(add);
      total += Number(r.count);
      bytes += add.size;
    }
    return { adds, keys, rows: total, bytes };
  } catch (err) {
    // The COPY failed part-way (a check, a type error): remove what it left behind.
    if (staging === undefined) await removeByWriteId(opts.store, writeId);
    throw err;
  } finally {
    if (staging !== undefined) await fs.rm(staging, { recursive: true, force: true });
  }
}

interface CopyStatsRow {
  filename: string;
  count: number | string;
  file_size_bytes: number | string;
  column_statistics: Record<string, Record<string, string | null>> | null;
  partition_keys: Record<string, string | null> | null;
}

function relativeTo(root: string, filename: string): string {
  const r = root.endsWith('/') ? root : root + '/';
  if (!filename.startsWith(r)) throw new Error(`DuckDB wrote ${filename} outside the table root ${root}`);
  return filename.slice(r.length);
}

async function removeByWriteId(store: ObjectStore, writeId: string): Promise<void> {
  try {
    const objs = await store.list('');
    await Promise.all(objs.filter((o) => o.key.includes(writeId)).map((o) => store.delete(o.key)));
  } catch {
    // Best effort: uncommitted files are invisible to readers; vacuum removes them later.
  }
}

/** Delta partition value strings: dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC). */
function partitionValues(cols: string[], types: Map<string, DeltaType>, keys: Record<string, string | null> | null): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const c of cols) {
    const v = keys?.[c];
    if (v === null || v === undefined) {
      out[c] = null;
      continue;
    }
    const t = types.get(c);
    out[c] = t === 'timestamp' || t === 'timestamp_ntz' ? normalizeTimestamp(v) : v;
  }
  return out;
}

function normalizeTimestamp(v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?/.exec(v);
  if (!m) return v;
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}`;
}

function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}

/** DuckDB's per-file column statistics as Delta stats (values typed per the column's Delta type). */
export function fileStats(
  numRecords: number,
  colStats: Record<string, Record<string, string | null>> | null,
  types: Map<string, DeltaType>,
  partitionColumns: Set<string>,
): FileStats {
  const minValues: Record<string, unknown> = {};
  const maxValues: Record<string, unknown> = {};
  const nullCount: Record<string, number> = {};
  for (const [rawName, s] of Object.entries(colStats ?? {})) {
    const name = unquote(rawName);
    const type = types.get(name);
    if (!type || partitionColumns.has(name)) continue;
    if (s.null_count !== null && s.null_count !== undefined) nullCount[name] = Number(s.null_count);
    const min = statValue(type, s.min, 'min');
    const max = statValue(type, s.max, 'max');
    if (min !== undefined && max !== undefined) {
      minValues[name] = min;
      maxValues[name] = max;
    }
  }
  return { numRecords, minValues, maxValues, nullCount };
}

function statValue(type: DeltaType, raw: string | null | undefined, side: 'min' | 'max'): unknown {
  if (raw === null || raw === undefined) return undefined;
  switch (type) {
    case 'string':
      // Long strings would bloat the log; a prefix is a valid min, but not a valid max.
      if (raw.length > 64) return side === 'min' ? raw.slice(0, 64) : undefined;
      return raw;
    case 'long':
    case 'integer':
    case 'short':
    case 'byte': {
      const n = Number(raw);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'double':
    case 'float': {
      const n = Number(raw);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : undefined;
    case 'timestamp':
    case 'timestamp_ntz':
      return timestampStat(raw, side);
    case 'binary':
      return undefined;
    default: {
      // decimal(p,s): a JSON number, only when the double holds the exact value (else no bound).
      const n = Number(raw);
      if (!Number.isFinite(n) || !sameDecimal(String(n), raw)) return undefined;
      return n;
    }
  }
}

function sameDecimal(a: string, b: string): boolean {
  const norm = (x: string): string => {
    let [i, f = ''] = x.replace(/^\+/, '').split('.');
    const neg = i.startsWith('-');
    i = i.replace(/^-/, '').replace(/^0+(?=\d)/, '');
    f = f.replace(/0+$/, '');
    const s = f ? `${i}.${f}` : i;
    return neg && s !== '0' ? `-${s}` : s;
  };
  return !/e/i.test(a) && norm(a) === norm(b);
}

/**
 * Stats timestamps are ISO-8601 with millisecond precision (the spec's format). DuckDB gives
 * microseconds: the min is truncated down, the max rounded up, so both stay true bounds.
 */
function timestampStat(raw: string, side: 'min' | 'max'): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:([+-]\d{2})(?::?(\d{2}))?|Z)?$/.exec(raw.trim());
  if (!m) return undefined;
  const frac = (m[3] ?? '').padEnd(9, '0');
  let ms = Date.parse(`${m[1]}T${m[2]}.${frac.slice(0, 3)}Z`);
  if (!Number.isFinite(ms)) return undefined;
  if (m[4]) ms -= (Number(m[4]) * 60 + Math.sign(Number(m[4]) || 1) * Number(m[5] ?? 0)) * 60_000;
  if (side === 'max' && /[1-9]/.test(frac.slice(3))) ms += 1;
  return new Date(ms).toISOString();
}
