/**
 * DeltaTable: one Delta table on an ObjectStore, read and written through the Engine.
 * Every operation loads the latest snapshot (incrementally from the last one seen), plans
 * its files, writes data with DuckDB and commits optimistically (delta/transaction.ts).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import os from 'node:os';
import type { DuckDBConnection } from '@duckdb/node-api';
import { tableFromJSON, type Table as ArrowTable } from 'apache-arrow';
import { NotFoundError, type ObjectStore } from './storage/object-store';
import type { Engine } from './engine/duckdb';
import {
  commitKey,
  ENGINE_INFO,
  parseStats,
  WRITE_PROTOCOL,
  type Action,
  type AddFile,
  type CommitInfo,
  type Metadata,
  type RemoveFile,
} from './delta/actions';
import { checkpointInterval, writeCheckpoint } from './delta/checkpoint';
import { DeltaError, MissingFileError, SchemaMismatchError, TableExistsError } from './delta/errors';
import { listLog, readLog } from './delta/log';
import { FilePredicate } from './delta/predicate';
import { deltaTypeOfDuckdb, duckdbType, ident, normalizeType, schemaFromJson, schemaToJson, type DeltaType, type Field, type TableDefinition } from './delta/schema';
import { checkWritable, loadSnapshot, updateSnapshot, type Snapshot } from './delta/snapshot';
import { commit, type ReadScope } from './delta/transaction';
import { FileCache } from './engine/cache';
import { DuckDBCheckpointIO } from './engine/checkpoint-io';
import { filePath, scanSql } from './engine/scan';
import { writeFiles, type WrittenFiles } from './engine/write';

/** "date = '2024-01-01' AND region IN ('US','EU')": =, <>, <, <=, >, >=, IN, IS [NOT] NULL, AND, OR, NOT */
export type Predicate = string;

export interface CommitMetrics {
  numAddedFiles: number;
  numRemovedFiles: number;
  numOutputRows: number;
  numOutputBytes: number;
  numDeletedRows?: number;
}

export interface CommitResult {
  version: number;
  /** false: txn (appId, version) already applied, nothing written. */
  committed: boolean;
  metrics: CommitMetrics;
}

export interface WriteOptions {
  mode?: 'append' | 'overwrite';
  /** Replace the rows matching this predicate (usually on partition columns) with the written rows, which must all match it. */
  replaceWhere?: Predicate;
  txn?: { appId: string; version: number };
  /** Add the query's new columns to the schema (as nullable) instead of refusing the write. */
  mergeSchema?: boolean;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  /** Run the query on this connection so its temp views are visible. */
  conn?: DuckDBConnection;
  targetFileSizeBytes?: number;
  compression?: 'zstd' | 'snappy';
  /**
   * Base the transaction on this version instead of the latest (a read-modify-write that read
   * it earlier): whatever was committed since is checked for conflicts as in a lost race.
   */
  readVersion?: number;
}

export interface HistoryEntry {
  version: number;
  timestamp: number;
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  readVersion?: number;
  isBlindAppend?: boolean;
  engineInfo?: string;
}

export interface ScanMetrics {
  filesTotal: number;
  filesScanned: number;
  bytesScanned: number;
}

/** Widenings a write may apply silently: the value is unchanged by the cast. */
const SAFE_WIDENING: Record<string, DeltaType[]> = {
  byte: ['short', 'integer', 'long', 'double'],
  short: ['integer', 'long', 'double'],
  integer: ['long', 'double'],
  float: ['double'],
  // A naive timestamp written to a Delta timestamp column is taken as UTC.
  timestamp_ntz: ['timestamp'],
};

const MAX_COMMIT_RETRIES = 1000;

export class DeltaTable {
  private latest: Snapshot | undefined;
  private readonly io: DuckDBCheckpointIO;
  private cache: FileCache | undefined;

  private constructor(
    readonly name: string,
    readonly store: ObjectStore,
    readonly engine: Engine,
  ) {
    this.io = new DuckDBCheckpointIO(engine);
  }

  /** Open any Delta table location (also ones other writers made); fails if there is none. */
  static async open(store: ObjectStore, engine: Engine, name?: string): Promise<DeltaTable> {
    const t = new DeltaTable(name ?? store.url, store, engine);
    await t.snapshot();
    return t;
  }

  /** Create a table (version 0: protocol, metaData, commitInfo); TableExistsError if one is there. */
  static async create(store: ObjectStore, engine: Engine, def: TableDefinition, name?: string): Promise<DeltaTable> {
    const table = name ?? store.url;
    const fields = validateDefinition(table, def);
    const partitionColumns = def.partitionColumns ?? [];
    const metadata: Metadata = {
      id: randomUUID(),
      name: name ?? null,
      description: def.description ?? null,
      format: { provider: 'parquet', options: {} },
      schemaString: schemaToJson(fields),
      partitionColumns,
      configuration: { ...(def.properties ?? {}) },
      createdTime: Date.now(),
    };
    const commitInfo: CommitInfo = {
      timestamp: Date.now(),
      operation: 'CREATE TABLE',
      operationParameters: {
        isManaged: 'false',
        description: def.description ?? null,
        partitionBy: JSON.stringify(partitionColumns),
        properties: JSON.stringify(def.properties ?? {}),
      },
      engineInfo: ENGINE_INFO,
      isBlindAppend: true,
    };
    const actions: Action[] = [{ commitInfo }, { protocol: WRITE_PROTOCOL }, { metaData: metadata }];
    const ok = await store.putIfAbsent(commitKey(0), actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
    if (!ok) throw new TableExistsError(table, store.url);
    const t = new DeltaTable(table, store, engine);
    await t.snapshot();
    return t;
  }

  async version(): Promise<number> {
    return (await this.snapshot()).version;
  }

  /** The latest snapshot, or the one at a version or timestamp (time travel). */
  async snapshot(at?: { version?: number; timestamp?: string | Date | number }): Promise<Snapshot> {
    if (at?.version !== undefined || at?.timestamp !== undefined) {
      if (this.latest && at.version === this.latest.version && at.timestamp === undefined) return this.latest;
      return loadSnapshot(this.store, { table: this.name, version: at.version, timestamp: at.timestamp, io: this.io });
    }
    this.latest = this.latest ? await updateSnapshot(this.store, this.latest, { io: this.io }) : await loadSnapshot(this.store, { table: this.name, io: this.io });
    return this.latest;
  }

  async definition(): Promise<TableDefinition> {
    const s = await this.snapshot();
    const def: TableDefinition = { fields: s.schema, partitionColumns: [...s.partitionColumns], properties: { ...s.properties } };
    if (s.metadata.description) def.description = s.metadata.description;
    return def;
  }

  async txnVersion(appId: string): Promise<number | undefined> {
    return (await this.snapshot()).txns.get(appId);
  }

  /**
   * Write the rows of `query` (a DuckDB SELECT yielding the table's columns): append (default),
   * overwrite, or replaceWhere. Idempotent with `txn`.
   */
  async write(query: string, opts: WriteOptions = {}): Promise<CommitResult> {
    query = query.trim().replace(/;+\s*$/, ''); // it is embedded as a subquery
    const snap = opts.readVersion !== undefined ? await this.snapshot({ version: opts.readVersion }) : await this.snapshot();
    checkWritable(this.name, snap.version, snap.protocol, snap.schema);
    if (opts.txn && (snap.txns.get(opts.txn.appId) ?? -1) >= opts.txn.version) return noop(snap.version);
    if (opts.replaceWhere !== undefined && opts.mode === 'overwrite') {
      throw new DeltaError(this.name, 'replaceWhere and mode overwrite are exclusive (replaceWhere is already an overwrite of the matching rows)');
    }
    const conn = opts.conn ?? (await this.engine.connect());
    try {
      const { fields, missing, metadata } = await this.checkSchema(snap, query, conn, opts.mergeSchema === true);
      const mode = opts.replaceWhere !== undefined ? 'replaceWhere' : (opts.mode ?? 'append');
      if (mode !== 'append' && snap.properties['delta.appendOnly'] === 'true') {
        throw new DeltaError(this.name, `table is append-only (delta.appendOnly): ${mode} refused`);
      }
      const partitionColumns = snap.partitionColumns;
      const pred = opts.replaceWhere !== undefined ? new FilePredicate(opts.replaceWhere, fields, partitionColumns) : undefined;

      // Which existing files this write replaces, and what it must leave of them.
      let removed: AddFile[] = [];
      let rewrite: AddFile[] = [];
      let isolation: ReadScope = {};
      if (mode === 'overwrite') {
        removed = snap.files;
        isolation = { reads: () => true };
      } else if (pred) {
        if (pred.onlyPartitionColumns) {
          removed = snap.files.filter((f) => pred.matchesPartition(f));
          isolation = { reads: (f) => pred.mayMatch(f, true) };
        } else {
          rewrite = await this.filesWithMatches(snap, pred, fields, conn);
          removed = rewrite;
          isolation = { reads: (f) => pred.mayMatch(f) };
        }
      }

      const written: WrittenFiles[] = [];
      try {
        written.push(
          await writeFiles(this.engine, {
            store: this.store,
            query,
            fields,
            partitionColumns,
            missingColumns: missing,
            targetFileSizeBytes: opts.targetFileSizeBytes,
            compression: opts.compression,
            conn,
            table: this.name,
            check: pred ? { sql: pred.sql(), message: `table ${this.name}: written rows must match replaceWhere ${opts.replaceWhere}` } : undefined,
          }),
        );
        if (pred && rewrite.length > 0) written.push(await this.keepRows(snap, rewrite, pred, fields, conn));
        const adds = written.flatMap((w) => w.adds);
        const operation = opts.operation ?? 'WRITE';
        const parameters: Record<string, unknown> = {
          mode: mode === 'append' ? 'Append' : 'Overwrite',
          partitionBy: JSON.stringify(partitionColumns),
          ...(pred ? { predicate: JSON.stringify([opts.replaceWhere]) } : {}),
          ...(opts.operationParameters ?? {}),
        };
        const rows = written[0].rows;
        const metrics: CommitMetrics = {
          numAddedFiles: adds.length,
          numRemovedFiles: removed.length,
          numOutputRows: rows,
          numOutputBytes: written.reduce((s, w) => s + w.bytes, 0),
        };
        const result = await this.commitActions(snap, {
          operation,
          parameters,
          metrics,
          adds,
          removes: removed,
          metadata,
          txn: opts.txn,
          isolation,
          blindAppend: mode === 'append' && !metadata,
        });
        if (!result.committed) await this.cleanup(written);
        return result;
      } catch (err) {
        await this.cleanup(written);
        throw err;
      }
    } finally {
      if (!opts.conn) conn.closeSync();
    }
  }

  /** Delete the rows matching `predicate`: whole files on partition predicates, rewrites otherwise. */
  async delete(predicate: Predicate, opts: { txn?: { appId: string; version: number }; readVersion?: number } = {}): Promise<CommitResult> {
    const snap = opts.readVersion !== undefined ? await this.snapshot({ version: opts.readVersion }) : await this.snapshot();
    checkWritable(this.name, snap.version, snap.protocol, snap.schema);
    if (opts.txn && (snap.txns.get(opts.txn.appId) ?? -1) >= opts.txn.version) return noop(snap.version);
    if (snap.properties['delta.appendOnly'] === 'true') throw new DeltaError(this.name, 'table is append-only (delta.appendOnly): delete refused');
    const fields = snap.schema;
    const pred = new FilePredicate(predicate, fields, snap.partitionColumns);
    const conn = await this.engine.connect();
    const written: WrittenFiles[] = [];
    try {
      let removed: AddFile[];
      let deletedRows = 0;
      let isolation: ReadScope;
      if (pred.onlyPartitionColumns) {
        removed = snap.files.filter((f) => pred.matchesPartition(f));
        isolation = { reads: (f) => pred.mayMatch(f, true) };
        const unknown = removed.filter((f) => parseStats(f.stats)?.numRecords === undefined);
        deletedRows = removed.reduce((s, f) => s + (parseStats(f.stats)?.numRecords ?? 0), 0);
        if (unknown.length > 0) deletedRows += await this.countRows(snap, unknown, fields, conn);
      } else {
        removed = await this.filesWithMatches(snap, pred, fields, conn);
        isolation = { reads: (f) => pred.mayMatch(f) };
        if (removed.length > 0) {
          const before = await this.countRows(snap, removed, fields, conn);
          const kept = await this.keepRows(snap, removed, pred, fields, conn);
          written.push(kept);
          deletedRows = before - kept.rows;
        }
      }
      const adds = written.flatMap((w) => w.adds);
      const result = await this.commitActions(snap, {
        operation: 'DELETE',
        parameters: { predicate: JSON.stringify([predicate]) },
        metrics: {
          numAddedFiles: adds.length,
          numRemovedFiles: removed.length,
          numOutputRows: written.reduce((s, w) => s + w.rows, 0),
          numOutputBytes: written.reduce((s, w) => s + w.bytes, 0),
          numDeletedRows: deletedRows,
        },
        adds,
        removes: removed,
        txn: opts.txn,
        isolation,
        blindAppend: false,
      });
      if (!result.committed) await this.cleanup(written);
      return result;
    } catch (err) {
      await this.cleanup(written);
      throw err;
    } finally {
      conn.closeSync();
    }
  }

  /**
   * Register a snapshot (latest, or a version/timestamp) as a temp view on `conn`, reading only
   * the files the predicate cannot exclude, and filtering rows by it.
   */
  async registerView(conn: DuckDBConnection, viewName: string, opts: { version?: number; timestamp?: string; predicate?: Predicate } = {}): Promise<ScanMetrics> {
    const snap = opts.version !== undefined || opts.timestamp !== undefined ? await this.snapshot({ version: opts.version, timestamp: opts.timestamp }) : await this.snapshot();
    const fields = snap.schema;
    const all = snap.files;
    const pred = opts.predicate ? new FilePredicate(opts.predicate, fields, snap.partitionColumns) : undefined;
    const files = pred ? all.filter((f) => pred.mayMatch(f)) : all;
    const sql = await this.scan(snap, files, fields);
    // Binding the view reads the files' schemas (union_by_name): a missing file shows up here.
    await this.withMissingFileCheck(snap.version, files, () => this.engine.run(`CREATE OR REPLACE TEMP VIEW ${ident(viewName)} AS ${sql}${pred ? ` WHERE ${pred.sql()}` : ''}`, conn));
    return { filesTotal: all.length, filesScanned: files.length, bytesScanned: files.reduce((s, f) => s + f.size, 0) };
  }

  /** Run `sql`, in which {{table}} stands for this table (at a version, filtered by a predicate). */
  async query<T = Record<string, unknown>>(sql: string, opts: { version?: number; timestamp?: string; predicate?: Predicate } = {}): Promise<T[]> {
    const conn = await this.engine.connect();
    const view = `__delta_${randomUUID().replace(/-/g, '')}`;
    try {
      await this.registerView(conn, view, opts);
      return await this.engine.all<T>(sql.replace(/\{\{\s*table\s*\}\}/g, ident(view)), conn);
    } finally {
      conn.closeSync();
    }
  }

  /**
   * Like query, as an Arrow table (columns) for callers that want vectors. Built from the JS
   * values query returns (dates and timestamps as strings), so it suits modest results.
   */
  async queryArrow(sql: string, opts: { version?: number; timestamp?: string; predicate?: Predicate } = {}): Promise<ArrowTable> {
    return tableFromJSON(await this.query<Record<string, unknown>>(sql, opts));
  }

  async count(predicate?: Predicate): Promise<number> {
    if (predicate === undefined) {
      const snap = await this.snapshot();
      const counts = snap.files.map((f) => parseStats(f.stats)?.numRecords);
      // Stats hold exact row counts: no file needs opening.
      if (counts.every((c) => typeof c === 'number')) return counts.reduce((s: number, c) => s + (c as number), 0);
    }
    const rows = await this.query<{ n: number }>('SELECT count(*) AS n FROM {{table}}', { predicate });
    return Number(rows[0].n);
  }

  /** Commit history, newest first (DESCRIBE HISTORY). */
  async history(limit?: number): Promise<HistoryEntry[]> {
    const listing = await listLog(this.store, this.name);
    const versions = [...listing.commits.keys()].sort((a, b) => b - a);
    let n = 0;
    while (n < versions.length && (n === 0 || versions[n] === versions[n - 1] - 1)) n++;
    const take = versions.slice(0, limit !== undefined ? Math.min(limit, n) : n);
    if (take.length === 0) return [];
    const entries = await readLog(this.store, { table: this.name, from: take[take.length - 1], to: take[0], listing });
    return entries.reverse().map((e) => {
      const ci = e.commitInfo ?? {};
      const h: HistoryEntry = { version: e.version, timestamp: e.timestamp, operation: typeof ci.operation === 'string' ? ci.operation : 'UNKNOWN' };
      if (ci.operationParameters) h.operationParameters = ci.operationParameters;
      if (ci.operationMetrics) h.operationMetrics = ci.operationMetrics;
      if (typeof ci.readVersion === 'number') h.readVersion = ci.readVersion;
      if (typeof ci.isBlindAppend === 'boolean') h.isBlindAppend = ci.isBlindAppend;
      if (typeof ci.engineInfo === 'string') h.engineInfo = ci.engineInfo;
      return h;
    });
  }

  /** Write a checkpoint at the current version; returns that version. */
  async checkpoint(): Promise<number> {
    const snap = await this.snapshot();
    await writeCheckpoint(this.store, snap, this.io);
    return snap.version;
  }

  // ---- internals -------------------------------------------------------------------------

  private async commitActions(
    snap: Snapshot,
    c: {
      operation: string;
      parameters: Record<string, unknown>;
      metrics: CommitMetrics;
      adds: AddFile[];
      removes: AddFile[];
      metadata?: Metadata;
      txn?: { appId: string; version: number };
      isolation: ReadScope;
      blindAppend: boolean;
    },
  ): Promise<CommitResult> {
    const now = Date.now();
    const commitInfo: CommitInfo = {
      timestamp: now,
      operation: c.operation,
      operationParameters: c.parameters,
      readVersion: snap.version,
      isolationLevel: 'Serializable',
      isBlindAppend: c.blindAppend,
      operationMetrics: Object.fromEntries(Object.entries(c.metrics).map(([k, v]) => [k, String(v)])),
      engineInfo: ENGINE_INFO,
      txnId: randomUUID(),
    };
    const actions: Action[] = [{ commitInfo }];
    if (c.metadata) actions.push({ metaData: c.metadata });
    if (c.txn) actions.push({ txn: { appId: c.txn.appId, version: c.txn.version, lastUpdated: now } });
    for (const f of c.removes) actions.push({ remove: toRemove(f, now) });
    for (const a of c.adds) actions.push({ add: a });
    const outcome = await commit(this.store, snap.version, actions, { table: this.name, isolation: c.isolation, maxRetries: MAX_COMMIT_RETRIES });
    if (!outcome.committed) return noop(outcome.version);
    await this.maybeCheckpoint(outcome.version, snap);
    return { version: outcome.version, committed: true, metrics: c.metrics };
  }

  private async maybeCheckpoint(version: number, snap: Snapshot): Promise<void> {
    const interval = checkpointInterval(snap);
    if (version % interval !== 0) return;
    try {
      const at = await loadSnapshot(this.store, { table: this.name, version, io: this.io });
      await writeCheckpoint(this.store, at, this.io);
    } catch {
      // A checkpoint is an optimisation: the commit stands; the next interval tries again.
    }
  }

  /** Check the query's columns against the table; work out the (possibly merged) schema. */
  private async checkSchema(snap: Snapshot, query: string, conn: DuckDBConnection, mergeSchema: boolean): Promise<{ fields: Field[]; missing: string[]; metadata?: Metadata }> {
    const described = await this.engine.all<{ column_name: string; column_type: string }>(`DESCRIBE ${query}`, conn);
    const fields = snap.schema;
    const byLower = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
    const seen = new Set<string>();
    const added: Field[] = [];
    for (const col of described) {
      const f = byLower.get(col.column_name.toLowerCase());
      const actual = deltaTypeOfDuckdb(col.column_type);
      if (!f) {
        if (!mergeSchema) throw new SchemaMismatchError(this.name, col.column_name, undefined, actual ?? col.column_type);
        if (!actual) throw new SchemaMismatchError(this.name, col.column_name, undefined, col.column_type, `schema mismatch: column ${col.column_name} has type ${col.column_type}, which has no Delta equivalent`);
        added.push({ name: col.column_name, type: actual, nullable: true });
        continue;
      }
      if (seen.has(f.name)) throw new SchemaMismatchError(this.name, f.name, f.type, col.column_type, `schema mismatch: column ${f.name} appears twice in the written data`);
      seen.add(f.name);
      if (actual !== f.type && !(actual && SAFE_WIDENING[actual]?.includes(f.type))) {
        throw new SchemaMismatchError(this.name, f.name, f.type, actual ?? col.column_type);
      }
    }
    const missing: string[] = [];
    for (const f of fields) {
      if (seen.has(f.name)) continue;
      if (f.nullable === false) throw new SchemaMismatchError(this.name, f.name, f.type, undefined);
      missing.push(f.name);
    }
    if (added.length === 0) return { fields, missing };
    const merged = [...fields, ...added];
    const metadata: Metadata = { ...snap.metadata, schemaString: schemaToJson(merged) };
    return { fields: merged, missing, metadata };
  }

  private async scan(snap: Snapshot, files: AddFile[], fields: Field[], withFile = false): Promise<string> {
    try {
      return await scanSql({ store: this.store, files, fields, partitionColumns: snap.partitionColumns, cache: this.fileCache(), withFile });
    } catch (err) {
      // Stores read through the cache fetch files while planning: a missing one shows up here.
      if (err instanceof NotFoundError) throw new MissingFileError(this.name, snap.version, err.key);
      throw err;
    }
  }

  private fileCache(): FileCache | undefined {
    if (this.store.directPath('_delta_log') !== undefined) return undefined;
    const dir = this.engine.options.cacheDir ?? path.join(os.tmpdir(), 'financelake-cache');
    this.cache ??= new FileCache(dir, this.engine.options.cacheMaxBytes ?? 1024 * 1024 * 1024);
    return this.cache;
  }

  /** Candidate files (by stats) that really hold rows matching `pred`. */
  private async filesWithMatches(snap: Snapshot, pred: FilePredicate, fields: Field[], conn: DuckDBConnection): Promise<AddFile[]> {
    const candidates = snap.files.filter((f) => pred.mayMatch(f));
    if (candidates.length === 0) return [];
    const sql = await this.scan(snap, candidates, fields, true);
    const rows = await this.withMissingFileCheck(snap.version, candidates, () =>
      this.engine.all<{ f: string }>(`SELECT DISTINCT ${ident('__file')} AS f FROM (${sql}) WHERE ${pred.sql()}`, conn),
    );
    const hit = new Set(rows.map((r) => r.f));
    const paths = await Promise.all(candidates.map(async (f) => [f, await this.pathOf(f)] as const));
    return paths.filter(([, p]) => hit.has(p)).map(([f]) => f);
  }

  private async pathOf(f: AddFile): Promise<string> {
    return filePath(this.store, f, this.fileCache());
  }

  /** Rewrite `files` keeping the rows that do not match `pred` (SQL NULL counts as not matching). */
  private async keepRows(snap: Snapshot, files: AddFile[], pred: FilePredicate, fields: Field[], conn: DuckDBConnection): Promise<WrittenFiles> {
    const sql = await this.scan(snap, files, fields);
    return this.withMissingFileCheck(snap.version, files, () =>
      writeFiles(this.engine, {
        store: this.store,
        query: `SELECT * FROM (${sql}) WHERE (${pred.sql()}) IS NOT TRUE`,
        fields,
        partitionColumns: snap.partitionColumns,
        conn,
        table: this.name,
      }),
    );
  }

  private async countRows(snap: Snapshot, files: AddFile[], fields: Field[], conn: DuckDBConnection): Promise<number> {
    const sql = await this.scan(snap, files, fields);
    const r = await this.withMissingFileCheck(snap.version, files, () => this.engine.all<{ n: number }>(`SELECT count(*) AS n FROM (${sql})`, conn));
    return Number(r[0].n);
  }

  private async cleanup(written: WrittenFiles[]): Promise<void> {
    await Promise.all(written.flatMap((w) => w.keys).map((k) => this.store.delete(k).catch(() => undefined)));
  }

  /** Turn DuckDB's "file not found" into MissingFileError naming the table, version and file. */
  private async withMissingFileCheck<T>(version: number, files: AddFile[], fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const msg = (err as Error).message ?? '';
      if (!/No files found|No such file|not found|does not exist|HTTP 404|Cannot open file/i.test(msg)) throw err;
      for (const f of files) {
        if (/^[a-z]+:\/\//i.test(f.path)) continue;
        const key = decodeURIComponent(f.path);
        if (!(await this.store.head(key))) throw new MissingFileError(this.name, version, key);
      }
      throw err;
    }
  }
}

function noop(version: number): CommitResult {
  return { version, committed: false, metrics: { numAddedFiles: 0, numRemovedFiles: 0, numOutputRows: 0, numOutputBytes: 0 } };
}

function toRemove(f: AddFile, now: number): RemoveFile {
  return {
    path: f.path,
    deletionTimestamp: now,
    dataChange: true,
    extendedFileMetadata: true,
    partitionValues: f.partitionValues,
    size: f.size,
    ...(f.stats ? { stats: f.stats } : {}),
  };
}

function validateDefinition(table: string, def: TableDefinition): Field[] {
  if (!def.fields || def.fields.length === 0) throw new DeltaError(table, 'a table needs at least one column');
  const names = new Set<string>();
  const fields = def.fields.map((f) => {
    if (!f.name || /[\s,;{}()\n\t=]/.test(f.name)) throw new DeltaError(table, `invalid column name ${JSON.stringify(f.name)}`);
    if (names.has(f.name.toLowerCase())) throw new DeltaError(table, `duplicate column ${f.name}`);
    names.add(f.name.toLowerCase());
    let type: DeltaType;
    try {
      type = normalizeType(f.type);
    } catch {
      throw new DeltaError(table, `column ${f.name}: unsupported type ${JSON.stringify(f.type)}`);
    }
    duckdbType(type);
    return { ...f, type };
  });
  for (const p of def.partitionColumns ?? []) {
    const f = fields.find((x) => x.name === p);
    if (!f) throw new DeltaError(table, `partition column ${p} is not in the schema`);
    if (f.type === 'binary') throw new DeltaError(table, `partition column ${p} cannot be binary`);
  }
  if (fields.every((f) => (def.partitionColumns ?? []).includes(f.name))) throw new DeltaError(table, 'at least one column must not be a partition column');
  // Round-trip through the schema JSON so what we hold is what readers will see.
  return schemaFromJson(schemaToJson(fields), table);
}

