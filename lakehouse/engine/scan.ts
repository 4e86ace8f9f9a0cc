/**
 * Scans: the planned data files handed to DuckDB's read_parquet as local paths or s3:// URLs,
 * partition values attached as typed constants (Delta data files do not hold partition
 * columns), columns missing from older files read as NULL (schema evolution).
 */
import type { ObjectStore } from '../storage/object-store';
import { decodePath, type AddFile } from '../delta/actions';
import { duckdbType, ident, literal, type Field } from '../delta/schema';
import type { FileCache } from './cache';

export interface ScanInput {
  store: ObjectStore;
  files: AddFile[];
  fields: Field[];
  partitionColumns: string[];
  cache?: FileCache;
  /** Also return the file's DuckDB path as column __file (deletes and rewrites need it). */
  withFile?: boolean;
}

/** Above this many distinct partitions, partition values come from a join instead of a UNION per partition. */
const MAX_UNION_GROUPS = 64;
const PART_PREFIX = '__part_';

/** Where DuckDB reads an add.path: absolute URIs as given, relative ones through the store. */
export async function filePath(store: ObjectStore, add: AddFile, cache?: FileCache): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(add.path)) {
    const u = add.path;
    return u.startsWith('file://') ? decodeURIComponent(new URL(u).pathname) : u;
  }
  const key = decodePath(add.path);
  const direct = store.directPath(key);
  if (direct !== undefined) return direct;
  if (!cache) throw new Error(`${store.url} is not readable by DuckDB directly and no cache directory is configured (EngineOptions.cacheDir)`);
  return cache.localPath(store, key, add.size);
}

/** A SELECT yielding exactly the table's columns (typed), over the given files. */
export async function scanSql(input: ScanInput): Promise<string> {
  const { fields, partitionColumns } = input;
  const parts = new Set(partitionColumns);
  const outer = fields
    .map((f) => `CAST(${parts.has(f.name) ? ident(PART_PREFIX + f.name) : ident(f.name)} AS ${duckdbType(f.type)}) AS ${ident(f.name)}`)
    .concat(input.withFile ? [`${ident('__file')}`] : [])
    .join(', ');
  // A typed, empty row source: UNION ALL BY NAME against it gives every column its type and
  // fills columns a file lacks with NULL.
  const empty =
    'SELECT ' +
    fields
      .map((f) => `CAST(NULL AS ${duckdbType(f.type)}) AS ${ident(parts.has(f.name) ? PART_PREFIX + f.name : f.name)}`)
      .concat(input.withFile ? [`CAST(NULL AS VARCHAR) AS ${ident('__file')}`] : [])
      .join(', ') +
    ' WHERE false';
  if (input.files.length === 0) return `SELECT ${outer} FROM (${empty})`;

  const paths = await Promise.all(input.files.map((f) => filePath(input.store, f, input.cache)));
  const fileCol = input.withFile ? `, filename AS ${ident('__file')}` : '';
  const pv = (f: AddFile): Array<string | null> => partitionColumns.map((c) => f.partitionValues?.[c] ?? null);
  const constant = (name: string, v: string | null): string => {
    const type = fields.find((f) => f.name === name)!.type;
    return v === null ? `CAST(NULL AS ${duckdbType(type)})` : `CAST(${literal(v)} AS ${duckdbType(type)})`;
  };

  const groups = new Map<string, { values: Array<string | null>; paths: string[] }>();
  input.files.forEach((f, i) => {
    const values = pv(f);
    const k = JSON.stringify(values);
    const g = groups.get(k) ?? { values, paths: [] };
    g.paths.push(paths[i]);
    groups.set(k, g);
  });

  const read = (ps: string[]): string => `read_parquet([${ps.map(literal).join(', ')}], union_by_name=true, hive_partitioning=false)`;
  let body: string;
  if (partitionColumns.length === 0 || groups.size <= MAX_UNION_GROUPS) {
    const selects = [...groups.values()].map((g) => {
      const consts = partitionColumns.map((c, i) => `${constant(c, g.values[i])} AS ${ident(PART_PREFIX + c)}`);
      return `SELECT *${consts.length ? ', ' + consts.join(', ') : ''}${fileCol} FROM ${read(g.paths)}`;
    });
    body = [empty, ...selects].map((s) => `(${s})`).join(' UNION ALL BY NAME ');
  } else {
    const rows = input.files.map((f, i) => `(${[literal(paths[i]), ...pv(f).map((v, j) => constant(partitionColumns[j], v))].join(', ')})`);
    const mapCols = [ident('__path'), ...partitionColumns.map((c) => ident(PART_PREFIX + c))].join(', ');
    const joined = `SELECT d.*, m.* EXCLUDE (${ident('__path')})${input.withFile ? `, d.filename AS ${ident('__file')}` : ''} FROM (SELECT *, filename FROM ${read(paths)}) d JOIN (VALUES ${rows.join(', ')}) m(${mapCols}) ON d.filename = m.${ident('__path')}`;
    body = `(${empty}) UNION ALL BY NAME (${joined})`;
  }
  return `SELECT ${outer} FROM (${body})`;
}
