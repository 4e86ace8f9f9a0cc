/**
 * Checkpoint Parquet files read and written with DuckDB (the engine side of delta/parquet.ts).
 * The written schema is the spec's classic checkpoint schema: one nullable struct column per
 * action type, add.partitionValues as MAP<string,string>, add.stats as a JSON string.
 * Reading takes each struct's members flat (whatever members the writer - we, delta-rs, Spark -
 * put there) and builds the actions directly; add.stats stays a string, parsed only by its readers.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStore } from '../storage/object-store';
import type { Action } from '../delta/actions';
import type { CheckpointIO } from '../delta/parquet';
import { literal } from '../delta/schema';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine } from './duckdb';

const ACTION_COLUMNS = ['txn', 'add', 'remove', 'metaData', 'protocol'] as const;

const MAP = 'MAP(VARCHAR, VARCHAR)';
/** Column types of a classic checkpoint (PROTOCOL.md "Checkpoint Schema"). */
export const CHECKPOINT_COLUMNS: Record<(typeof ACTION_COLUMNS)[number], string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP})`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT)`,
  metaData: `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
};

/** Drop null members, so a nested checkpoint value reads like the JSON it stands for. */
function compact(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== null && x !== undefined) out[k] = x;
  return out;
}

/** The member of each action whose absence marks a row as not holding that action (Spark writes all-null structs). */
const KEY_FIELD: Record<(typeof ACTION_COLUMNS)[number], string> = { txn: 'appId', add: 'path', remove: 'path', metaData: 'schemaString', protocol: 'minReaderVersion' };
/** Members that must be present on the action even when the checkpoint holds null. */
const DEFAULTS: Partial<Record<(typeof ACTION_COLUMNS)[number], Record<string, () => unknown>>> = {
  add: { partitionValues: () => ({}) },
  metaData: { configuration: () => ({}), partitionColumns: () => [] },
};
const NUMERIC = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT', 'DOUBLE']);

/** One struct member, selected flat as VARCHAR text (or NULL) and decoded back into its JS value. */
interface Member {
  name: string;
  sql: string;
  /** A VARCHAR member: its text is the value itself, so it could hold the separators of the packed transport. */
  raw: boolean;
  decode: (text: string) => unknown;
}

function member(column: string, name: string, type: string): Member {
  const x = `"${column}"."${name.replace(/"/g, '""')}"`;
  // Delta's longs here are sizes, versions and epoch millis: exact as JS numbers.
  if (NUMERIC.has(type)) return { name, sql: `${x}::VARCHAR`, raw: false, decode: Number };
  if (type === 'BOOLEAN') return { name, sql: `${x}::VARCHAR`, raw: false, decode: (t) => t === 'true' };
  if (type === 'VARCHAR') return { name, sql: x, raw: true, decode: (t) => t };
  // Maps and anything nested: DuckDB's JSON rendering of that one value. Maps (partitionValues)
  // repeat across files, so each distinct rendering is parsed once and copied.
  if (type.startsWith('MAP(')) {
    const parsed = new Map<string, Record<string, unknown>>();
    return {
      name,
      sql: `to_json(${x})::VARCHAR`,
      raw: false,
      decode: (t) => {
        let v = parsed.get(t);
        if (!v) parsed.set(t, (v = JSON.parse(t) as Record<string, unknown>));
        return { ...v };
      },
    };
  }
  return { name, sql: `to_json(${x})::VARCHAR`, raw: false, decode: (t) => compact(JSON.parse(t)) };
}

// Packed transport: all rows as one string, every member text followed by US, NULL as GS. Control
// characters never occur in numbers or DuckDB's to_json output; VARCHAR members (path, stats, ...)
// are checked, and a checkpoint where one holds them is read value by value instead.
const SEP = '\x1f';
const NULL = '\x1d';

export class DuckDBCheckpointIO implements CheckpointIO {
  constructor(private readonly engine: Engine) {}

  async readCheckpoint(store: ObjectStore, keys: string[]): Promise<Action[]> {
    const local: string[] = [];
    const temps: string[] = [];
    try {
      for (const key of keys) {
        const direct = store.directPath(key);
        if (direct) local.push(direct);
        else {
          const tmp = path.join(os.tmpdir(), `financelake-cp-${randomUUID()}.parquet`);
          await store.getFile(key, tmp);
          temps.push(tmp);
          local.push(tmp);
        }
      }
      const conn = await this.engine.connect();
      try {
        const source = `read_parquet([${local.map(literal).join(', ')}], union_by_name=true)`;
        const cols = await this.engine.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${source}`, conn);
        const present = ACTION_COLUMNS.filter((c) => cols.some((x) => x.column_name === c));
        if (!present.includes('add') || !present.includes('metaData') || !present.includes('protocol')) {
          throw new Error(`not a checkpoint: columns ${cols.map((c) => c.column_name).join(', ')}`);
        }
        // Each action column is read flat, member by member, and the actions are built straight
        // from the column vectors: no JSON round trip for the (many) add rows. add.stats stays the
        // JSON string the log carries; readers parse it only where they need it (parseStats).
        const actions: Action[] = [];
        for (const c of ['protocol', 'metaData', 'txn', 'add', 'remove'] as const) {
          if (!present.includes(c)) continue;
          for (const body of await this.readAction(conn, source, c)) actions.push({ [c]: body } as Action);
        }
        return actions;
      } finally {
        conn.closeSync();
      }
    } finally {
      await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    }
  }

  private async readAction(conn: DuckDBConnection, source: string, c: (typeof ACTION_COLUMNS)[number]): Promise<Record<string, unknown>[]> {
    const fields = await this.engine.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT unnest("${c}") FROM ${source}`, conn);
    const key = KEY_FIELD[c];
    if (!fields.some((f) => f.column_name === key)) return [];
    // *_parsed members (delta-rs/Spark) duplicate stats/partitionValues typed; the string forms are the contract.
    const members = fields.filter((f) => !f.column_name.endsWith('_parsed')).map((f) => member(c, f.column_name, f.column_type));
    const where = `WHERE "${c}"."${key}" IS NOT NULL`;
    // Member i of row r is texts[r * members.length + i].
    const texts = (await this.packedTexts(conn, source, members, where)) ?? (await this.vectorTexts(conn, source, members, where));
    const m = members.length;
    const rows = texts.length / m;
    const defaults = Object.entries(DEFAULTS[c] ?? {});
    const out: Record<string, unknown>[] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      const body: Record<string, unknown> = {};
      for (let i = 0; i < m; i++) {
        const t = texts[r * m + i];
        if (t !== null) body[members[i].name] = members[i].decode(t);
      }
      for (const [k, d] of defaults) if (body[k] === undefined) body[k] = d();
      out[r] = body;
    }
    return out;
  }

  /**
   * Every row's member texts through one string: DuckDB concatenates, V8 splits once, which is much
   * faster than converting DuckDB values one by one. Undefined when a VARCHAR value holds a separator.
   */
  private async packedTexts(conn: DuckDBConnection, source: string, members: Member[], where: string): Promise<(string | null)[] | undefined> {
    const chr = (ch: string): string => `chr(${ch.charCodeAt(0)})`;
    const row = members.map((m) => `coalesce(${m.sql}, ${chr(NULL)}) || ${chr(SEP)}`).join(' || ');
    const raw = members.filter((m) => m.raw).flatMap((m) => [SEP, NULL].map((ch) => `contains(${m.sql}, ${chr(ch)})`));
    const clash = raw.length ? `coalesce(bool_or(${raw.join(' OR ')}), false)` : 'false';
    const reader = await conn.runAndReadAll(`SELECT string_agg(${row}, ''), ${clash}, count(*)::VARCHAR FROM ${source} ${where}`);
    const [packed, clashes, count] = reader.getRows()[0] as [string | null, boolean, string];
    if (clashes) return undefined;
    if (packed === null) return [];
    const texts: (string | null)[] = packed.split(SEP);
    texts.pop(); // after the last separator
    if (texts.length !== Number(count) * members.length) return undefined;
    for (let i = 0; i < texts.length; i++) if (texts[i] === NULL) texts[i] = null;
    return texts;
  }

  /** The same texts value by value: the exact path for checkpoints whose strings hold control characters. */
  private async vectorTexts(conn: DuckDBConnection, source: string, members: Member[], where: string): Promise<(string | null)[]> {
    const reader = await conn.runAndReadAll(`SELECT ${members.map((m) => m.sql).join(', ')} FROM ${source} ${where}`);
    return (reader.getRows() as (string | null)[][]).flat();
  }

  async writeCheckpoint(store: ObjectStore, key: string, actions: Action[]): Promise<{ sizeInBytes: number }> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'financelake-cp-'));
    try {
      const ndjson = path.join(dir, 'actions.json');
      // Normalise into exactly the checkpoint columns, so read_json sees one shape.
      const lines = actions
        .map((a) => {
          const [k] = Object.keys(a);
          if (!(ACTION_COLUMNS as readonly string[]).includes(k)) return undefined;
          return JSON.stringify(a);
        })
        .filter((l): l is string => l !== undefined);
      await fs.writeFile(ndjson, lines.join('\n') + '\n');
      // Written locally, then uploaded: putFile is atomic on every store, so a concurrent
      // writer of the same checkpoint can never leave a torn file.
      const target = path.join(dir, 'checkpoint.parquet');
      const columns = `{${ACTION_COLUMNS.map((c) => `${literal(c)}: ${literal(CHECKPOINT_COLUMNS[c])}`).join(', ')}}`;
      const conn = await this.engine.connect();
      try {
        await this.engine.run(
          `COPY (SELECT ${ACTION_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM read_json(${literal(ndjson)}, format='newline_delimited', columns=${columns})) ` +
            `TO ${literal(target)} (FORMAT parquet, COMPRESSION zstd)`,
          conn,
        );
      } finally {
        conn.closeSync();
      }
      await store.putFile(key, target);
      return { sizeInBytes: (await fs.stat(target)).size };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}
