/**
 * Rewriting a set of a partition's data files into new ones (the shared core of OPTIMIZE
 * and Z-ORDER): read the files with DuckDB (partition values as constants), write through
 * the lakehouse's writeFiles (stats from RETURN_STATS), and commit removes + adds with
 * dataChange=false in one transaction. The row count is checked before the commit; a lost
 * race with a blind append just commits at the next version (the transaction layer's job);
 * a concurrent replaceWhere/delete that removed the same files wins, and the rewrite gives
 * way, deleting the files it wrote.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { decodePath, ENGINE_INFO, parseStats, type Action, type AddFile } from '../delta/actions';
import { ConcurrentModificationError } from '../delta/errors';
import { duckdbType, ident, literal, type Field } from '../delta/schema';
import type { Snapshot } from '../delta/snapshot';
import { commit } from '../delta/transaction';
import { writeFiles, type WrittenFiles } from '../engine/write';
import type { TableHandle as DeltaTable } from './handle';

export interface RewriteOutcome {
  partition: string;
  status: 'rewritten' | 'conflict';
  version?: number;
  filesBefore: number;
  filesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  rows: number;
  conflict?: string;
}

/** A SELECT of every table column over exactly these files (partition columns as constants). */
export async function filesQuery(table: DeltaTable, snapshot: Snapshot, files: AddFile[], conn: DuckDBConnection): Promise<string> {
  const fields: Field[] = snapshot.schema;
  const parts = new Set(snapshot.partitionColumns);
  const paths = files.map((f) => {
    const p = table.store.directPath(decodePath(f.path));
    if (p === undefined) throw new Error(`table ${table.name}: maintenance rewrites need a store DuckDB reads directly (local or s3), not ${table.store.url}`);
    return p;
  });
  const list = `[${paths.map(literal).join(', ')}]`;
  // Columns added by schema evolution are absent from older files: union_by_name fills them
  // with NULL as long as one file has them; a column no file has is cast from NULL. The
  // newest file usually has every column, and its footer alone is cheap to read.
  const describe = async (from: string) => new Set((await table.engine.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${from}, union_by_name = true)`, conn)).map((r) => r.column_name));
  const newest = paths[files.reduce((best, f, i) => (f.modificationTime > files[best].modificationTime ? i : best), 0)];
  let present = await describe(`[${literal(newest)}]`);
  if (fields.some((f) => !parts.has(f.name) && !present.has(f.name))) present = await describe(list);
  const pv = files[0]?.partitionValues ?? {};
  const cols = fields.map((f) => {
    const t = duckdbType(f.type);
    if (parts.has(f.name)) return `${pv[f.name] === null || pv[f.name] === undefined ? 'NULL' : `CAST(${literal(pv[f.name]!)} AS ${t})`} AS ${ident(f.name)}`;
    return present.has(f.name) ? ident(f.name) : `CAST(NULL AS ${t}) AS ${ident(f.name)}`;
  });
  return `SELECT ${cols.join(', ')} FROM read_parquet(${list}, union_by_name = true)`;
}

export function rowsOf(files: AddFile[]): number | undefined {
  let n = 0;
  for (const f of files) {
    const r = parseStats(f.stats)?.numRecords;
    if (typeof r !== 'number') return undefined;
    n += r;
  }
  return n;
}

export interface RewriteOptions {
  operation: 'OPTIMIZE';
  operationParameters: Record<string, unknown>;
  targetFileSize: number;
  /** Z-order: write in this order, `rowsPerFile` rows per file (files then cover narrow key ranges). */
  zorder?: { columns: string[]; rowsPerFile: number };
  heartbeat?: (detail: unknown) => void;
  /** Version the commit is based on (default the snapshot's); later for later partitions of one run. */
  readVersion?: number;
}

/** Rewrites `files` (all in partition `partition`) and commits; gives way on a real conflict. */
export async function rewriteFiles(table: DeltaTable, snapshot: Snapshot, partition: string, files: AddFile[], opts: RewriteOptions): Promise<RewriteOutcome> {
  const conn = await table.engine.connect();
  const written: WrittenFiles[] = [];
  const bytesBefore = files.reduce((s, f) => s + f.size, 0);
  const base = { table: table.name, store: table.store, fields: snapshot.schema, partitionColumns: snapshot.partitionColumns, targetFileSizeBytes: opts.targetFileSize, conn };
  try {
    const source = await filesQuery(table, snapshot, files, conn);
    if (!opts.zorder) {
      // preserve_insertion_order stays on: in DuckDB it is a database-wide setting, and the
      // pipeline's activities in the same worker number landing-file lines by insertion order.
      written.push(await writeFiles(table.engine, { ...base, query: source }));
    } else {
      await table.engine.run(`CREATE OR REPLACE TEMP TABLE __zorder AS ${mortonOrderSql(source, opts.zorder.columns, snapshot.schema)}`, conn);
      const total = Number((await table.engine.all<{ n: number }>('SELECT count(*) AS n FROM __zorder', conn))[0].n);
      const cols = snapshot.schema.map((f) => ident(f.name)).join(', ');
      for (let start = 0; start < total; start += opts.zorder.rowsPerFile) {
        written.push(await writeFiles(table.engine, { ...base, query: `SELECT ${cols} FROM __zorder WHERE __rn > ${start} AND __rn <= ${start + opts.zorder.rowsPerFile} ORDER BY __rn` }));
        opts.heartbeat?.({ partition, rowsWritten: Math.min(total, start + opts.zorder.rowsPerFile), rows: total });
      }
      await table.engine.run('DROP TABLE IF EXISTS __zorder', conn);
    }
    const tags = opts.zorder ? { ZORDER_BY: opts.zorder.columns.join(',') } : undefined;
    const adds = written.flatMap((w) => w.adds).map((a) => ({ ...a, dataChange: false, ...(tags ? { tags } : {}) }));
    const rowsAfter = written.reduce((s, w) => s + w.rows, 0);
    const bytesAfter = adds.reduce((s, a) => s + a.size, 0);
    const rowsBefore = rowsOf(files);
    if (rowsBefore !== undefined && rowsBefore !== rowsAfter) {
      throw new Error(`table ${table.name}: rewrite of ${partition || 'the table'} read ${rowsAfter} rows but the files' stats say ${rowsBefore}; nothing committed`);
    }
    const now = Date.now();
    const metrics = {
      numRemovedFiles: files.length,
      numAddedFiles: adds.length,
      numRemovedBytes: bytesBefore,
      numAddedBytes: bytesAfter,
      filesBefore: snapshot.files.length,
      filesAfter: snapshot.files.length - files.length + adds.length,
      partitionsOptimized: 1,
      numOutputRows: rowsAfter,
      minFileSize: Math.min(...adds.map((a) => a.size)),
      maxFileSize: Math.max(...adds.map((a) => a.size)),
    };
    const actions: Action[] = [
      { commitInfo: { timestamp: now, operation: opts.operation, operationParameters: { ...opts.operationParameters, partition }, operationMetrics: metrics, engineInfo: ENGINE_INFO, readVersion: snapshot.version, isBlindAppend: false } },
      ...files.map((f): Action => ({ remove: { path: f.path, deletionTimestamp: now, dataChange: false, extendedFileMetadata: true, partitionValues: f.partitionValues, size: f.size, stats: f.stats ?? null } })),
      ...adds.map((a): Action => ({ add: a })),
    ];
    try {
      const out = await commit(table.store, opts.readVersion ?? snapshot.version, actions, { table: table.name });
      return { partition, status: 'rewritten', version: out.version, filesBefore: files.length, filesAfter: adds.length, bytesBefore, bytesAfter, rows: rowsAfter };
    } catch (err) {
      if (!(err instanceof ConcurrentModificationError)) throw err;
      await Promise.all(written.flatMap((w) => w.keys).map((k) => table.store.delete(k).catch(() => undefined)));
      return { partition, status: 'conflict', conflict: err.reason, filesBefore: files.length, filesAfter: files.length, bytesBefore, bytesAfter: bytesBefore, rows: rowsAfter };
    }
  } catch (err) {
    // Uncommitted files are invisible; remove them now rather than waiting for vacuum.
    await Promise.all(written.flatMap((w) => w.keys).map((k) => table.store.delete(k).catch(() => undefined)));
    throw err;
  } finally {
    conn.closeSync?.();
  }
}

/**
 * The rows of `source` numbered (`__rn`) in Morton (Z-order) of `columns`, as DuckDB SQL:
 * each column becomes its dense rank scaled to B bits (so skewed or non-numeric columns
 * spread evenly over the key space), and the bits are interleaved, bit b of column i landing
 * at b*k + i. Rows close in the key are close in every column, so each output file covers a
 * small box and min/max stats let a query skip on any of the columns.
 */
export function mortonOrderSql(source: string, columns: string[], fields: Field[]): string {
  if (columns.length === 0) throw new Error('zorder needs at least one column');
  for (const c of columns) if (!fields.some((f) => f.name === c)) throw new Error(`zorder: unknown column ${c} (columns: ${fields.map((f) => f.name).join(', ')})`);
  const k = columns.length;
  const bits = Math.min(16, Math.floor(63 / k));
  const max = 2 ** bits - 1;
  const r = columns.map((_, i) => `__r${i}`);
  const sc = columns.map((_, i) => `__s${i}`);
  const ranked = columns.map((c, i) => `dense_rank() OVER (ORDER BY ${ident(c)} NULLS FIRST) - 1 AS ${r[i]}`).join(', ');
  const scaled = columns.map((_, i) => `CAST(floor(${r[i]} * ${max}.0 / greatest(1, max(${r[i]}) OVER ())) AS UBIGINT) AS ${sc[i]}`).join(', ');
  const terms: string[] = [];
  for (let b = 0; b < bits; b++) for (let i = 0; i < k; i++) terms.push(`(((${sc[i]} >> ${b}) & 1) << ${b * k + i})`);
  return `WITH __src AS (${source}),
__ranked AS (SELECT *, ${ranked} FROM __src),
__scaled AS (SELECT * EXCLUDE (${r.join(', ')}), ${scaled} FROM __ranked)
SELECT * EXCLUDE (${sc.join(', ')}), row_number() OVER (ORDER BY ${terms.join(' | ')}) AS __rn FROM __scaled`;
}
