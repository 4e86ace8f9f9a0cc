/**
 * Shared by the quality unit tests: a real DuckDB (the lakehouse Engine), batch tables built from
 * JS rows, and the bad-input corpus (test/fixtures/bad-input/) read and typed as bronze and silver do.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../lakehouse';
import { parseCsv, parseJsonLines, type RawRecord } from '../../pipeline/run/raw-records';
import type { Expectation } from '../../quality';

export type Row = Record<string, string | number | boolean | null>;

export async function newConnection(): Promise<{ engine: Engine; conn: DuckDBConnection }> {
  const engine = await Engine.create({ threads: 1, memoryLimit: '512MB' });
  return { engine, conn: await engine.connect() };
}

const sqlValue = (v: Row[string], type: string): string =>
  v === null ? `CAST(NULL AS ${type})` : typeof v === 'string' ? `CAST('${v.replace(/'/g, "''")}' AS ${type})` : `CAST(${String(v)} AS ${type})`;

/** A temp table with the given typed columns plus `_row_id` (1-based, in array order) and `_raw` (the row as JSON). */
export async function batchTable(conn: DuckDBConnection, name: string, columns: Record<string, string>, rows: Row[]): Promise<void> {
  const cols = Object.entries(columns);
  const select = rows.length
    ? rows
        .map((r, i) => `SELECT CAST(${i + 1} AS BIGINT) AS _row_id, ${sqlValue(JSON.stringify(r), 'VARCHAR')} AS _raw, ${cols.map(([c, t]) => `${sqlValue(r[c] ?? null, t)} AS "${c}"`).join(', ')}`)
        .join(' UNION ALL ')
    : `SELECT CAST(NULL AS BIGINT) AS _row_id, CAST(NULL AS VARCHAR) AS _raw, ${cols.map(([c, t]) => `CAST(NULL AS ${t}) AS "${c}"`).join(', ')} WHERE false`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`);
}

export async function rowsOf(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

export const CORPUS_DIR = join(__dirname, '..', 'fixtures', 'bad-input');
const DIR = CORPUS_DIR;
const FIELDS: Record<string, string> = { transaction_id: 'VARCHAR', customer_id: 'VARCHAR', ts: 'TIMESTAMPTZ', amount: 'DECIMAL(18,2)', currency: 'VARCHAR' };

const typed = (f: string): Expectation => ({ name: `${f}_has_type`, rule: 'sql', expression: `${f}__raw IS NULL OR trim(${f}__raw) = '' OR ${f} IS NOT NULL`, severity: 'drop' });
/** A transactions-like suite for the corpus batches. */
export const CORPUS_SUITE: Expectation[] = [
  { name: 'record_readable', rule: 'sql', expression: '_read_error IS NULL', severity: 'drop' },
  typed('ts'),
  typed('amount'),
  { name: 'transaction_id_present', rule: 'not_null', column: 'transaction_id', severity: 'drop', treatEmptyAsNull: true },
  { name: 'ts_present', rule: 'not_null', column: 'ts', severity: 'drop' },
  { name: 'amount_present', rule: 'not_null', column: 'amount', severity: 'drop' },
  { name: 'amount_in_range', rule: 'between', column: 'amount', min: 0.01, max: 1_000_000_000, severity: 'drop' },
  { name: 'currency_known', rule: 'in_set', column: 'currency', values: ['USD', 'EUR', 'GBP'], severity: 'drop' },
  { name: 'transaction_id_unique', rule: 'unique', columns: ['transaction_id'], severity: 'drop' },
  { name: 'customer_present', rule: 'not_null', column: 'customer_id', severity: 'warn', treatEmptyAsNull: true },
];

/** file -> transaction ids that must come through; records counted independently from the file text. */
export const CORPUS: { file: string; format: RawFormat; passed: string[]; records?: number }[] = [
  { file: 'wrong-types.csv', format: 'csv', passed: ['T1', 'T6'] },
  // T4 is 5e-324: DuckDB 1.5's VARCHAR -> DECIMAL(18,2) cast rounds it UP to 0.01 (it rounds on the
  // first digit whatever the exponent), so it passes amount >= 0.01. A DuckDB quirk, pinned here.
  { file: 'numbers.csv', format: 'csv', passed: ['T4', 'T10', 'T12'] },
  { file: 'empty-vs-null.csv', format: 'csv', passed: ['T1', 'T4'] },
  { file: 'unicode.csv', format: 'csv', passed: ['T-€1', 'T-😀', 'T-ü̈', 'T-日本', 'T-עברית', 'T-zw\u200bsp'] },
  { file: 'bom.csv', format: 'csv', passed: ['T1', 'T2'] },
  { file: 'crlf.csv', format: 'csv', passed: ['T1', 'T2'] },
  { file: 'header-only.csv', format: 'csv', passed: [] },
  { file: 'empty.csv', format: 'csv', passed: [] },
  { file: 'ragged.csv', format: 'csv', passed: ['T1', 'T4'] },
  { file: 'malformed.jsonl', format: 'jsonl', passed: ['T1', 'T5', 'T9'] },
  { file: 'nan-infinity.jsonl', format: 'jsonl', passed: ['T10'] },
  { file: 'bom-crlf.jsonl', format: 'jsonl', passed: ['T1', 'T2'] },
  { file: 'empty.jsonl', format: 'jsonl', passed: [] },
  { file: 'typed.parquet', format: 'parquet', passed: ['T1'], records: 5 },
];

export type RawFormat = 'csv' | 'jsonl' | 'parquet';
const lit = (v: string | null): string => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);

/** What bronze stages for a file: a table of text fields plus `_raw`, `_error`, `_line`; a file DuckDB cannot read throws naming it. */
export async function readLikeBronze(conn: DuckDBConnection, file: string, format: RawFormat, table: string): Promise<{ rows: number; columns: string[] }> {
  const path = join(DIR, file);
  if (format === 'parquet') {
    try {
      await conn.run(`CREATE TEMP TABLE ${table} AS SELECT COLUMNS(*)::VARCHAR, CAST(to_json(t) AS VARCHAR) AS _raw, CAST(NULL AS VARCHAR) AS _error, 0 AS _line FROM read_parquet(${lit(path)}) t`);
    } catch (err) {
      throw new Error(`${path}: cannot read Parquet (${(err as Error).message.split('\n')[0]})`);
    }
  } else {
    const text = readFileSync(path, 'utf8');
    const records: RawRecord[] = format === 'csv' ? parseCsv(text, file) : parseJsonLines(text, file);
    const columns = [...new Set(records.flatMap((r) => Object.keys(r.fields)))];
    const head = [...columns.map((c) => `CAST(NULL AS VARCHAR) AS "${c}"`), 'CAST(NULL AS VARCHAR) AS _raw', 'CAST(NULL AS VARCHAR) AS _error', 'CAST(NULL AS INTEGER) AS _line'];
    const rows = records.map((r) => `SELECT ${[...columns.map((c) => lit(r.fields[c] ?? null)), lit(r.raw), lit(r.parseError), String(r.line)].join(', ')}`);
    await conn.run(`CREATE TEMP TABLE ${table} AS SELECT ${head.join(', ')} WHERE false ${rows.map((r) => `UNION ALL ${r}`).join(' ')}`);
  }
  const described = (await rowsOf(conn, `DESCRIBE ${table}`)).map((r) => String(r.column_name));
  const n = Number((await rowsOf(conn, `SELECT count(*) AS n FROM ${table}`))[0]!.n);
  return { rows: n, columns: described.filter((c) => !c.startsWith('_')) };
}

/** Records in a text file: non-blank lines, less the header for CSV. */
export function recordsIn(file: string, format: RawFormat): number {
  const lines = readFileSync(join(DIR, file), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  return format === 'csv' ? Math.max(0, lines.length - 1) : lines.length;
}

export const CORPUS_NOW = new Date('2024-01-02T23:59:59Z');

/** A corpus file read like bronze (`<tag>_raw`) and typed with TRY_CAST as silver does (`<tag>_batch`, with `<field>__raw` texts and `_read_error`). */
export async function corpusBatch(conn: DuckDBConnection, file: string, format: RawFormat, tag: string): Promise<{ read: { rows: number; columns: string[] }; batch: string }> {
  const read = await readLikeBronze(conn, file, format, `${tag}_raw`);
  const has = new Set(read.columns);
  const cols = Object.entries(FIELDS).map(([f, t]) => {
    const raw = has.has(f) ? `CAST(${JSON.stringify(f)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)';
    return `${raw} AS ${f}__raw, ${t === 'VARCHAR' ? raw : `TRY_CAST(trim(${raw}) AS ${t})`} AS ${f}`;
  });
  await conn.run(
    `CREATE TEMP TABLE ${tag}_batch AS SELECT CAST(row_number() OVER () AS BIGINT) AS _row_id, _raw, _error AS _read_error, ${cols.join(', ')} FROM ${tag}_raw`,
  );
  return { read, batch: `${tag}_batch` };
}
