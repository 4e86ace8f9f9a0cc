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
import type { Action, AddFile, Metadata, Protocol, RemoveFile, Txn } from '../delta/actions';
import type { CheckpointActions, CheckpointIO } from '../delta/parquet';
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
/** Members that must be present on the action even when the checkpoint holds null (add: see addMaker). */
const DEFAULTS: Partial<Record<(typeof ACTION_COLUMNS)[number], Record<string, () => unknown>>> = {
  metaData: { configuration: () => ({}), partitionColumns: () => [] },
};
const EMPTY_MAP: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NUMERIC = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT', 'DOUBLE']);

/** How a member's text becomes its JS value. */
const enum Kind {
  Text,
  Number,
  Boolean,
  /** A MAP rendered by to_json: parsed once per distinct rendering and shared, frozen. */
  Map,
  Json,
}

/** One struct member, selected flat as VARCHAR text (or NULL) and decoded back into its JS value. */
interface Member {
  name: string;
  sql: string;
  kind: Kind;
}

function member(column: string, name: string, type: string): Member {
  const x = `"${column}"."${name.replace(/"/g, '""')}"`;
  // Delta's longs here are sizes, versions and epoch millis: exact as JS numbers.
  if (NUMERIC.has(type)) return { name, sql: `${x}::VARCHAR`, kind: Kind.Number };
  if (type === 'BOOLEAN') return { name, sql: `${x}::VARCHAR`, kind: Kind.Boolean };
  if (type === 'VARCHAR') return { name, sql: x, kind: Kind.Text };
  // Maps and anything nested: DuckDB's JSON rendering of that one value.
  return { name, sql: `to_json(${x})::VARCHAR`, kind: type.startsWith('MAP(') ? Kind.Map : Kind.Json };
}

// Packed transport: all member texts of all rows as one string, separated by US, NULL as GS.
// Control characters never occur in numbers or in DuckDB's to_json output (JSON escapes them);
// a VARCHAR member (path, stats, ...) could hold them, which RowBuilder.fromPacked detects: such
// a checkpoint is read value by value instead.
const US = 0x1f;
const GS = 0x1d;
const SEP = String.fromCharCode(US);

interface Column {
  column_name: string;
  column_type: string;
}

/**
 * The members of a STRUCT type as DuckDB prints it (`STRUCT(a BIGINT, "b c" MAP(VARCHAR, VARCHAR))`),
 * as DESCRIBE of its unnest would list them: one DESCRIBE gives every action column's members.
 * Undefined for a type it cannot split (the caller then asks DuckDB).
 */
export function structMembers(type: string): Column[] | undefined {
  if (!type.startsWith('STRUCT(') || !type.endsWith(')')) return undefined;
  const body = type.slice('STRUCT('.length, -1);
  const out: Column[] = [];
  let i = 0;
  while (i < body.length) {
    let name = '';
    if (body[i] === '"') {
      // A quoted name; "" inside it is one quote.
      for (let j = i + 1; ; ) {
        const q = body.indexOf('"', j);
        if (q < 0) return undefined;
        name += body.slice(j, q);
        if (body[q + 1] === '"') {
          name += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const space = body.indexOf(' ', i);
      if (space < 0) return undefined;
      name = body.slice(i, space);
      i = space;
    }
    if (body[i] !== ' ') return undefined;
    // The type runs to the next comma outside parentheses and quotes.
    let depth = 0;
    let quoted = false;
    let j = i + 1;
    for (; j < body.length; j++) {
      const ch = body[j];
      if (ch === '"') quoted = !quoted;
      else if (quoted) continue;
      else if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (ch === ',' && depth === 0) break;
    }
    if (depth !== 0 || quoted || name === '') return undefined;
    out.push({ column_name: name, column_type: body.slice(i + 1, j).trim() });
    i = j + 1;
    while (body[i] === ' ') i++;
  }
  return out.length > 0 ? out : undefined;
}

export class DuckDBCheckpointIO implements CheckpointIO {
  constructor(private readonly engine: Engine) {}

  async readCheckpoint(store: ObjectStore, keys: string[]): Promise<CheckpointActions> {
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
        const cols = await this.engine.all<Column>(`DESCRIBE SELECT * FROM ${source}`, conn);
        const present = ACTION_COLUMNS.filter((c) => cols.some((x) => x.column_name === c));
        if (!present.includes('add') || !present.includes('metaData') || !present.includes('protocol')) {
          throw new Error(`not a checkpoint: columns ${cols.map((c) => c.column_name).join(', ')}`);
        }
        // Each action column is read flat, member by member, and the actions are built straight
        // from the texts: no JSON round trip for the (many) add rows. add.stats stays the JSON
        // string the log carries; readers parse it only where they need it (parseStats).
        const reads: { column: (typeof ACTION_COLUMNS)[number]; rows: RowBuilder; where: string }[] = [];
        for (const c of present) {
          const type = cols.find((x) => x.column_name === c)!.column_type;
          const fields = structMembers(type) ?? (await this.engine.all<Column>(`DESCRIBE SELECT unnest("${c}") FROM ${source}`, conn));
          const key = KEY_FIELD[c];
          if (!fields.some((f) => f.column_name === key)) continue;
          // *_parsed members (delta-rs/Spark) duplicate stats/partitionValues typed; the string forms are the contract.
          const members = fields.filter((f) => !f.column_name.endsWith('_parsed')).map((f) => member(c, f.column_name, f.column_type));
          reads.push({ column: c, rows: new RowBuilder(members, c), where: `"${c}"."${key}" IS NOT NULL` });
        }
        // Two scans, run at once on two connections: the adds (most of the rows), and every other
        // action column over only the rows that hold one (so their expressions are not evaluated
        // on the 50,000 add rows).
        const out: Record<(typeof ACTION_COLUMNS)[number], unknown[]> = { protocol: [], metaData: [], txn: [], add: [], remove: [] };
        const groups = [reads.filter((r) => r.column === 'add'), reads.filter((r) => r.column !== 'add')].filter((g) => g.length > 0);
        const scan = async (group: typeof reads, conn: DuckDBConnection): Promise<void> => {
          // Per action column: its rows' member texts packed in one string (DuckDB concatenates,
          // V8 scans it once: much faster than converting values one by one), its row count and
          // its VARCHAR members' non-NULL counts (see RowBuilder.fromPacked).
          const select = group.flatMap(({ rows, where }) => {
            const row = `concat_ws(chr(${US}), ${rows.members.map((m) => `coalesce(${m.sql}, chr(${GS}))`).join(', ')})`;
            const counts = rows.members.map((m) => (m.kind === Kind.Text ? `count(${m.sql}) FILTER (WHERE ${where})::VARCHAR` : 'NULL'));
            return [`string_agg(${row}, chr(${US})) FILTER (WHERE ${where})`, `count(*) FILTER (WHERE ${where})::VARCHAR`, ...counts];
          });
          const sql = `SELECT ${select.join(', ')} FROM ${source} WHERE ${group.map((r) => r.where).join(' OR ')}`;
          const result = (await conn.runAndReadAll(sql)).getRows()[0] as (string | null)[];
          let at = 0;
          for (const { column, rows, where } of group) {
            const m = rows.members.length;
            const packed = result[at];
            const count = Number(result[at + 1]);
            const nonNull = result.slice(at + 2, at + 2 + m).map(Number);
            at += 2 + m;
            if (packed === null) continue;
            let built: Record<string, unknown>[] | undefined;
            try {
              built = rows.fromPacked(packed, count, nonNull);
            } catch {
              built = undefined; // a separator inside a value shifted the texts: a JSON member misread
            }
            out[column] = built ?? (await this.vectorRows(conn, source, rows, `WHERE ${where}`));
          }
        };
        const extra = groups.length > 1 ? await this.engine.connect() : undefined;
        try {
          await Promise.all(groups.map((g, i) => scan(g, i === 0 ? conn : extra!)));
        } finally {
          extra?.closeSync();
        }
        return {
          protocols: out.protocol as Protocol[],
          metadata: out.metaData as Metadata[],
          txns: out.txn as Txn[],
          adds: out.add as AddFile[],
          removes: out.remove as RemoveFile[],
        };
      } finally {
        conn.closeSync();
      }
    } finally {
      await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    }
  }

  /** The same rows value by value: the exact path for checkpoints whose strings hold control characters. */
  private async vectorRows(conn: DuckDBConnection, source: string, rows: RowBuilder, where: string): Promise<Record<string, unknown>[]> {
    const reader = await conn.runAndReadAll(`SELECT ${rows.members.map((m) => m.sql).join(', ')} FROM ${source} ${where}`);
    return rows.fromTexts(reader.getRows() as (string | null)[][]);
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

/** A body with the non-NULL members, and the action's defaults where NULL. */
function genericMaker(members: Member[], defaults: Record<string, () => unknown> | undefined): (values: unknown[]) => Record<string, unknown> {
  const fill = Object.entries(defaults ?? {});
  return (values) => {
    const body: Record<string, unknown> = {};
    for (let i = 0; i < members.length; i++) if (values[i] !== undefined) body[members[i].name] = values[i];
    for (const [k, d] of fill) if (body[k] === undefined) body[k] = d();
    return body;
  };
}

const ADD_MEMBERS = ['path', 'partitionValues', 'size', 'modificationTime', 'dataChange', 'stats', 'tags'];

/**
 * An add as one object literal of the spec's members (undefined where NULL), then any other
 * non-NULL member: V8 allocates it whole, and as adds outlive the load it soon allocates them
 * straight in old space (no young-generation copying of 50,000 objects).
 */
function addMaker(members: Member[]): (values: unknown[]) => Record<string, unknown> {
  const at = ADD_MEMBERS.map((n) => members.findIndex((m) => m.name === n));
  const extra = members.flatMap((m, i) => (ADD_MEMBERS.includes(m.name) ? [] : [i]));
  const get = (values: unknown[], k: number): unknown => (at[k] < 0 ? undefined : values[at[k]]);
  return (values) => {
    const body: Record<string, unknown> = {
      path: get(values, 0),
      partitionValues: get(values, 1) ?? EMPTY_MAP,
      size: get(values, 2),
      modificationTime: get(values, 3),
      dataChange: get(values, 4),
      stats: get(values, 5),
      tags: get(values, 6),
    };
    for (const i of extra) if (values[i] !== undefined) body[members[i].name] = values[i];
    return body;
  };
}

/**
 * Builds action bodies from member texts, each value decoded straight from its place in the text
 * (no intermediate string per value for numbers, booleans and repeated maps): a checkpoint's
 * 50,000 adds then cost a few objects each, not one per member.
 */
class RowBuilder {
  /** Maps (partitionValues) repeat across files: each distinct rendering is parsed once and the frozen value shared. */
  private readonly maps = new Map<string, Record<string, unknown>>();
  /** The last map rendering seen per member, and its value: consecutive files mostly share partitions. */
  private readonly lastText: (string | undefined)[];
  private readonly lastValue: unknown[];
  /** One row's member values (undefined for NULL), reused from row to row. */
  private readonly values: unknown[];
  private readonly make: (values: unknown[]) => Record<string, unknown>;

  constructor(
    readonly members: Member[],
    column: (typeof ACTION_COLUMNS)[number],
  ) {
    this.lastText = new Array<string | undefined>(members.length);
    this.lastValue = new Array<unknown>(members.length);
    this.values = new Array<unknown>(members.length);
    this.make = column === 'add' ? addMaker(members) : genericMaker(members, DEFAULTS[column]);
  }

  /**
   * From the packed string: rows x members texts, each followed by US except the last, GS alone for
   * NULL. Undefined when the separators do not line up (a VARCHAR value holds US) or a VARCHAR
   * member has more GS marks than DuckDB counted NULLs (a value is the mark itself).
   */
  fromPacked(s: string, rows: number, nonNull: number[]): Record<string, unknown>[] | undefined {
    const m = this.members.length;
    const values = this.values;
    const marks = new Array<number>(m).fill(0);
    const out: Record<string, unknown>[] = new Array(rows);
    let pos = 0;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < m; i++) {
        let end = s.indexOf(SEP, pos);
        if (end < 0) {
          if (r !== rows - 1 || i !== m - 1) return undefined;
          end = s.length;
        }
        if (end - pos === 1 && s.charCodeAt(pos) === GS) {
          marks[i]++;
          values[i] = undefined;
        } else values[i] = this.value(i, s, pos, end);
        pos = end + 1;
      }
      out[r] = this.make(values);
    }
    if (pos !== s.length + 1) return undefined;
    for (let i = 0; i < m; i++) if (this.members[i].kind === Kind.Text && marks[i] !== rows - nonNull[i]) return undefined;
    return out;
  }

  /** From one row of texts per action (null for NULL). */
  fromTexts(rows: (string | null)[][]): Record<string, unknown>[] {
    return rows.map((texts) => {
      texts.forEach((t, i) => (this.values[i] = t === null ? undefined : this.value(i, t, 0, t.length)));
      return this.make(this.values);
    });
  }

  /** Member i's value from s[a, b). */
  private value(i: number, s: string, a: number, b: number): unknown {
    switch (this.members[i].kind) {
      case Kind.Text:
        return s.slice(a, b);
      case Kind.Number:
        return parseNumber(s, a, b);
      case Kind.Boolean:
        return b - a === 4 && s.startsWith('true', a);
      case Kind.Map: {
        const last = this.lastText[i];
        if (last !== undefined && last.length === b - a && s.startsWith(last, a)) return this.lastValue[i];
        const t = s.slice(a, b);
        let v = this.maps.get(t);
        if (!v) this.maps.set(t, (v = Object.freeze(JSON.parse(t) as Record<string, unknown>)));
        this.lastText[i] = t;
        this.lastValue[i] = v;
        return v;
      }
      default:
        return compact(JSON.parse(s.slice(a, b)));
    }
  }
}

/** Number(s.slice(a, b)) without the slice for plain integers of up to 15 digits (exact in a double). */
function parseNumber(s: string, a: number, b: number): number {
  let i = a;
  const neg = s.charCodeAt(i) === 45; // '-'
  if (neg) i++;
  if (i === b || b - i > 15) return Number(s.slice(a, b));
  let v = 0;
  for (; i < b; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number(s.slice(a, b));
    v = v * 10 + d;
  }
  return neg ? -v : v;
}
