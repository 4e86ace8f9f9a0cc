/**
 * Rewriting bins of a table's data files into new ones (the shared core of OPTIMIZE and
 * Z-ORDER). A bin is a set of one partition's files read by ONE DuckDB read_parquet over the
 * list (partition values as constants) and written through the lakehouse's writeFiles (stats
 * from COPY RETURN_STATS, no second pass).
 *
 * Bins run side by side, each on its own connection, on the DuckDB instance openRewriteEngine
 * gives (one of its own, without the file cache, for tables on local disk). A bin's COPY is
 * parallel by itself: DuckDB drops insertion order for a COPY with FILE_SIZE_BYTES or
 * PARTITION_BY whatever preserve_insertion_order says (the setting stays on for the worker's
 * engine); running bins side by side overlaps one bin's planning and file opening with
 * another's scan.
 *
 * Finished bins are committed together, up to `binsPerCommit` a commit (one commit for a
 * whole ordinary run): removes + adds with dataChange=false. Each bin's row count is checked
 * before its commit. A lost race with a blind append commits at the next version (the
 * transaction layer's job); a concurrent replaceWhere/delete that removed a bin's files wins:
 * that bin gives way (its new files deleted) and the rest of the batch commits.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { decodePath, ENGINE_INFO, parseStats, type Action, type AddFile } from '../delta/actions';
import { ConcurrentModificationError } from '../delta/errors';
import { duckdbType, ident, literal, type Field } from '../delta/schema';
import type { Snapshot } from '../delta/snapshot';
import { commit } from '../delta/transaction';
import type { Engine } from '../engine/duckdb';
import { writeFiles, type WrittenFiles } from '../engine/write';
import { mapLimit } from '../backup/pool';
import type { TableHandle as DeltaTable } from './handle';
import { openRewriteEngine } from './rewrite-engine';

/** Files of one partition rewritten together into one file (or `rowsPerFile`-row files when Z-ordering). */
export interface Bin {
  partition: string;
  files: AddFile[];
  /** Z-order: rows per output file (files then cover narrow key ranges). */
  rowsPerFile?: number;
}

/** Per partition: what its bins did. Files and bytes of bins that gave way count as unchanged. */
export interface RewriteOutcome {
  partition: string;
  status: 'rewritten' | 'conflict';
  /** Version of the (last) commit holding this partition's rewrite. */
  version?: number;
  bins: number;
  filesBefore: number;
  filesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  rows: number;
  conflict?: string;
}

export interface RewriteOptions {
  operation: 'OPTIMIZE';
  operationParameters: Record<string, unknown>;
  targetFileSize: number;
  /** Z-order: write each bin ordered by the Morton key of these columns, `bin.rowsPerFile` rows a file. */
  zorder?: { columns: string[] };
  heartbeat?: (detail: unknown) => void;
  /** Bins rewritten at once (default: the engine's DuckDB threads). */
  concurrency?: number;
  /** Bins per commit (default 64): bounds the work a kill loses and the size of one commit. */
  binsPerCommit?: number;
}

export interface RewriteRun {
  /** Version of the last commit, or the snapshot's when nothing was committed. */
  version: number;
  commits: number[];
  partitions: RewriteOutcome[];
}

const DEFAULT_BINS_PER_COMMIT = 64;

interface WrittenBin {
  bin: Bin;
  adds: AddFile[];
  keys: string[];
  rows: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** Partition values come from the log (as constants), never from a file's folder names. */
const NO_HIVE = 'hive_partitioning = false';

/**
 * A SELECT of every table column over exactly these files (partition columns as constants),
 * in one read_parquet over the list. The fast form binds the columns from the first file
 * alone: used when that file holds every column with the table's exact type, since
 * union_by_name opens every file's footer before reading (costly on thousands of small
 * files). A later file without a column then fails loudly ("schema mismatch"), and the
 * caller asks again with `unionByName`.
 */
export async function filesQuery(table: DeltaTable, snapshot: Snapshot, files: AddFile[], on: { engine: Engine; conn: DuckDBConnection }, opts: { unionByName?: boolean } = {}): Promise<{ sql: string; unionByName: boolean }> {
  const fields: Field[] = snapshot.schema;
  const parts = new Set(snapshot.partitionColumns);
  const paths = files.map((f) => {
    const p = table.store.directPath(decodePath(f.path));
    if (p === undefined) throw new Error(`table ${table.name}: maintenance rewrites need a store DuckDB reads directly (local or s3), not ${table.store.url}`);
    return p;
  });
  const list = `[${paths.map(literal).join(', ')}]`;
  const describe = async (from: string) =>
    new Map((await on.engine.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${from}, union_by_name = true, ${NO_HIVE})`, on.conn)).map((r) => [r.column_name, r.column_type.replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ')]));
  const pv = files[0]?.partitionValues ?? {};
  const select = (present: Map<string, string>) =>
    fields.map((f) => {
      const t = duckdbType(f.type);
      if (parts.has(f.name)) return `${pv[f.name] === null || pv[f.name] === undefined ? 'NULL' : `CAST(${literal(pv[f.name]!)} AS ${t})`} AS ${ident(f.name)}`;
      return present.has(f.name) ? ident(f.name) : `CAST(NULL AS ${t}) AS ${ident(f.name)}`;
    });
  const data = fields.filter((f) => !parts.has(f.name));
  if (!opts.unionByName) {
    const first = await describe(`[${literal(paths[0])}]`);
    if (data.every((f) => first.get(f.name) === duckdbType(f.type))) return { sql: `SELECT ${select(first).join(', ')} FROM read_parquet(${list}, ${NO_HIVE})`, unionByName: false };
  }
  // Columns added by schema evolution are absent from older files: union_by_name fills them
  // with NULL as long as one file has them; a column no file has is cast from NULL. The
  // newest file usually has every column, and its footer alone is cheap to read.
  const newest = paths[files.reduce((best, f, i) => (f.modificationTime > files[best].modificationTime ? i : best), 0)];
  let present = await describe(`[${literal(newest)}]`);
  if (data.some((f) => !present.has(f.name))) present = await describe(list);
  return { sql: `SELECT ${select(present).join(', ')} FROM read_parquet(${list}, union_by_name = true, ${NO_HIVE})`, unionByName: true };
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

async function removeKeys(table: DeltaTable, keys: string[]): Promise<void> {
  // Uncommitted files are invisible; remove them now rather than waiting for vacuum.
  await mapLimit(keys, 8, (k) => table.store.delete(k).catch(() => undefined));
}

/** Writes one bin's new files (not committed) on `engine`; removes them again when anything fails. */
async function writeBin(table: DeltaTable, engine: Engine, snapshot: Snapshot, bin: Bin, opts: RewriteOptions): Promise<WrittenBin> {
  const conn = await engine.connect();
  const written: WrittenFiles[] = [];
  const base = { table: table.name, store: table.store, fields: snapshot.schema, partitionColumns: snapshot.partitionColumns, targetFileSizeBytes: opts.targetFileSize, conn };
  const write = async (source: string): Promise<void> => {
    if (!opts.zorder) {
      written.push(await writeFiles(engine, { ...base, query: source }));
      return;
    }
    const per = bin.rowsPerFile ?? 1_000_000;
    await engine.run(`CREATE OR REPLACE TEMP TABLE __zorder AS ${mortonOrderSql(source, opts.zorder.columns, snapshot.schema)}`, conn);
    const total = Number((await engine.all<{ n: number }>('SELECT count(*) AS n FROM __zorder', conn))[0].n);
    const cols = snapshot.schema.map((f) => ident(f.name)).join(', ');
    for (let start = 0; start < total; start += per) {
      written.push(await writeFiles(engine, { ...base, query: `SELECT ${cols} FROM __zorder WHERE __rn > ${start} AND __rn <= ${start + per} ORDER BY __rn` }));
      opts.heartbeat?.({ partition: bin.partition, rowsWritten: Math.min(total, start + per), rows: total });
    }
    await engine.run('DROP TABLE IF EXISTS __zorder', conn);
  };
  try {
    const fast = await filesQuery(table, snapshot, bin.files, { engine, conn });
    try {
      await write(fast.sql);
    } catch (err) {
      // A file differing from the first (schema evolution): read them all by name instead.
      if (fast.unionByName || !/schema mismatch|union_by_name/i.test((err as Error).message)) throw err;
      await write((await filesQuery(table, snapshot, bin.files, { engine, conn }, { unionByName: true })).sql);
    }
    const tags = opts.zorder ? { ZORDER_BY: opts.zorder.columns.join(',') } : undefined;
    const adds = written.flatMap((w) => w.adds).map((a) => ({ ...a, dataChange: false, ...(tags ? { tags } : {}) }));
    const rows = written.reduce((s, w) => s + w.rows, 0);
    const rowsBefore = rowsOf(bin.files);
    if (rowsBefore !== undefined && rowsBefore !== rows) {
      throw new Error(`table ${table.name}: rewrite of ${bin.partition || 'the table'} read ${rows} rows but the files' stats say ${rowsBefore}; nothing committed`);
    }
    return { bin, adds, keys: written.flatMap((w) => w.keys), rows, bytesBefore: bin.files.reduce((s, f) => s + f.size, 0), bytesAfter: adds.reduce((s, a) => s + a.size, 0) };
  } catch (err) {
    await removeKeys(table, written.flatMap((w) => w.keys));
    throw err;
  } finally {
    conn.closeSync?.();
  }
}

/**
 * Rewrites `bins` (read at `snapshot`) and commits them in batches; bins whose files a
 * concurrent writer removed give way. Throws on any other failure, after removing the files
 * of bins not committed (committed batches stay: each is a complete rewrite).
 */
export async function rewriteBins(table: DeltaTable, snapshot: Snapshot, bins: Bin[], opts: RewriteOptions): Promise<RewriteRun> {
  const perCommit = Math.max(1, opts.binsPerCommit ?? DEFAULT_BINS_PER_COMMIT);
  const concurrency = Math.max(1, opts.concurrency ?? table.engine.options.threads ?? 2);
  const settled: Array<{ w: WrittenBin; version?: number; conflict?: string }> = [];
  const commits: number[] = [];
  let readVersion = snapshot.version;
  let liveFiles = snapshot.files.length;

  const commitBatch = async (batch: WrittenBin[]): Promise<void> => {
    let live = batch;
    while (live.length > 0) {
      const removed = live.flatMap((w) => w.bin.files);
      const adds = live.flatMap((w) => w.adds);
      const now = Date.now();
      const metrics = {
        numRemovedFiles: removed.length,
        numAddedFiles: adds.length,
        numRemovedBytes: live.reduce((s, w) => s + w.bytesBefore, 0),
        numAddedBytes: live.reduce((s, w) => s + w.bytesAfter, 0),
        filesBefore: liveFiles,
        filesAfter: liveFiles - removed.length + adds.length,
        partitionsOptimized: new Set(live.map((w) => w.bin.partition)).size,
        numBins: live.length,
        numOutputRows: live.reduce((s, w) => s + w.rows, 0),
        minFileSize: Math.min(...adds.map((a) => a.size)),
        maxFileSize: Math.max(...adds.map((a) => a.size)),
      };
      const actions: Action[] = [
        { commitInfo: { timestamp: now, operation: opts.operation, operationParameters: opts.operationParameters, operationMetrics: metrics, engineInfo: ENGINE_INFO, readVersion: snapshot.version, isBlindAppend: false } },
        ...removed.map((f): Action => ({ remove: { path: f.path, deletionTimestamp: now, dataChange: false, extendedFileMetadata: true, partitionValues: f.partitionValues, size: f.size, stats: f.stats ?? null } })),
        ...adds.map((a): Action => ({ add: a })),
      ];
      try {
        // Based on our previous commit: commit() checks everyone else's since for double deletes.
        const out = await commit(table.store, readVersion, actions, { table: table.name });
        readVersion = out.version;
        liveFiles = metrics.filesAfter;
        commits.push(out.version);
        for (const w of live) settled.push({ w, version: out.version });
        return;
      } catch (err) {
        // Any other error leaves the commit's fate unknown: keep the files (vacuum's job if lost).
        if (!(err instanceof ConcurrentModificationError)) throw err;
        const latest = await table.snapshot();
        const present = new Set(latest.files.map((f) => decodePath(f.path)));
        let lost = live.filter((w) => w.bin.files.some((f) => !present.has(decodePath(f.path))));
        if (lost.length === 0) lost = live; // the metadata or protocol changed: every bin gives way
        await removeKeys(table, lost.flatMap((w) => w.keys));
        for (const w of lost) settled.push({ w, conflict: err.reason });
        live = live.filter((w) => !lost.includes(w));
        readVersion = latest.version;
      }
    }
  };

  // Commits run one at a time, in the order their batches filled.
  let chain: Promise<void> = Promise.resolve();
  const commitInTurn = (batch: WrittenBin[]): Promise<void> => {
    const p = chain.then(() => commitBatch(batch));
    chain = p.catch(() => undefined);
    return p;
  };
  let pending: WrittenBin[] = [];
  let binsDone = 0;
  let filesDone = 0;
  const filesTotal = bins.reduce((s, b) => s + b.files.length, 0);
  const rewriting = bins.length > 0 ? await openRewriteEngine(table) : undefined;
  try {
    await mapLimit(bins, concurrency, async (bin) => {
      const w = await writeBin(table, rewriting!.engine, snapshot, bin, opts);
      pending.push(w);
      binsDone++;
      filesDone += bin.files.length;
      opts.heartbeat?.({ partition: bin.partition, binsDone, bins: bins.length, filesDone, files: filesTotal });
      if (pending.length >= perCommit) {
        const batch = pending;
        pending = [];
        await commitInTurn(batch);
      }
    });
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      await commitInTurn(batch);
    }
  } catch (err) {
    await chain;
    await removeKeys(table, pending.flatMap((w) => w.keys));
    throw err;
  } finally {
    await rewriting?.close();
  }
  return { version: readVersion, commits, partitions: outcomesByPartition(bins, settled) };
}

function outcomesByPartition(bins: Bin[], settled: Array<{ w: WrittenBin; version?: number; conflict?: string }>): RewriteOutcome[] {
  const out = new Map<string, RewriteOutcome>();
  for (const b of bins) if (!out.has(b.partition)) out.set(b.partition, { partition: b.partition, status: 'rewritten', bins: 0, filesBefore: 0, filesAfter: 0, bytesBefore: 0, bytesAfter: 0, rows: 0 });
  for (const { w, version, conflict } of settled) {
    const o = out.get(w.bin.partition)!;
    o.bins++;
    o.filesBefore += w.bin.files.length;
    o.bytesBefore += w.bytesBefore;
    o.rows += w.rows;
    if (conflict !== undefined) {
      o.status = 'conflict';
      o.conflict = conflict;
      o.filesAfter += w.bin.files.length;
      o.bytesAfter += w.bytesBefore;
    } else {
      o.version = Math.max(o.version ?? 0, version!);
      o.filesAfter += w.adds.length;
      o.bytesAfter += w.bytesAfter;
    }
  }
  return [...out.values()];
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
