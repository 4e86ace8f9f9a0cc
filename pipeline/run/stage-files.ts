/**
 * Landing files -> bronze rows, read by DuckDB straight from the file (never as one JS
 * string): CSV and JSON lines are read as text lines with their 1-based line numbers, split and
 * checked in SQL, so a record that cannot be read stays a raw row with a parse error naming the
 * file and line, exactly as `parseCsv` / `parseJsonLines` (raw-records.ts, the reference the
 * tests compare against) would mark it. Each staged row gets its business date `_date` here, once.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ObjectStore } from '../../lakehouse';
import type { DatasetDeclaration, FileFormat } from '../types';
import { hasRuleFields, jsonRecordSql, type RawTextSpec } from './raw-text';
import { businessDateSql } from './stage';
import { ident, literal } from './sql';

export interface StageFileArgs {
  /** a local path DuckDB can read */
  local: string;
  /** the landing key, named in `_source` and in parse errors */
  key: string;
  fileDate: string | undefined;
  /** 'YYYY-MM-DD', the fallback business date */
  ingestDate: string;
  /** the bronze table's rule for records stored without their text; absent: every record keeps it */
  rawText?: RawTextSpec;
}

/** A local path for a landing file: the store's own when it is on this disk, else a temp copy (streamed by getFile). */
export async function withLocalFile<T>(store: ObjectStore, key: string, fn: (local: string) => Promise<T>): Promise<T> {
  const direct = store.directPath(key);
  if (direct && path.isAbsolute(direct)) return fn(direct);
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'financelake-bronze-'));
  try {
    const local = path.join(tmpDir, path.basename(key) || 'file');
    await store.getFile(key, local);
    return await fn(local);
  } finally {
    await fs.rm(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Where a staged file's rows go: a SELECT yielding the source fields, then _raw, _parse_error,
 * _source, _line, _format, _file_date and the business date _date. The temp tables it reads live
 * only while the callback runs, so bronze writes it straight to the table (no staged copy).
 */
export type EmitStaged = (select: string) => Promise<void>;

/** Wraps `inner` (a SELECT yielding the source fields then _raw .. _file_date) with the business date and emits it. */
export function emitWithDate(emit: EmitStaged, decl: DatasetDeclaration, inner: string, ingestDate: string): Promise<void> {
  return emit(`SELECT *, ${businessDateSql(decl, ingestDate)} AS _date FROM (${inner})`);
}

const LINES = 't_bronze_lines';
const RECORDS = 't_bronze_records';
const REJECTS = 't_bronze_rejects';
const REJECT_SCANS = 't_bronze_reject_scans';
/** One CSV field at the start of the text or after a comma: quoted (with "" inside) or not. */
const CSV_FIELD = `(?:^|,)("(?:[^"]|"")*"|[^,]*)`;
/**
 * A delimiter text lines do not hold (four control characters in a row), so each line is one
 * VARCHAR; one column keeps blank lines as NULL rows, so row numbers are line numbers.
 */
const NO_DELIM = '\u001f\u001e\u001d\u001c';

/**
 * Physical lines of a text file, numbered from 1 (BOM and the CR of CRLF dropped by DuckDB's
 * reader, blank lines as NULL), with `read_err` for a line DuckDB could not read as text
 * (invalid UTF-8, longer than its 2 MB maximum line size): those come from its rejects table, with the
 * line as DuckDB saw it, and the numbers of the lines after them are shifted back in place.
 */
async function readLines(conn: DuckDBConnection, local: string): Promise<void> {
  await dropRejects(conn);
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${LINES} AS SELECT row_number() OVER () AS ln, l, NULL::VARCHAR AS read_err
     FROM read_csv(${literal(local)}, columns = {'l': 'VARCHAR'}, header = false, delim = ${literal(NO_DELIM)}, quote = '', escape = '',
                   auto_detect = false, strict_mode = false, null_padding = false,
                   store_rejects = true, rejects_table = ${literal(REJECTS)}, rejects_scan = ${literal(REJECT_SCANS)})`,
  );
  const rejected = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${REJECTS}`)).getRowObjectsJS()[0]?.n ?? 0);
  if (rejected > 0) {
    // accepted line k sits after every rejected line r_i (i-th in order) with r_i - i < k
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${LINES} AS
       WITH rej AS (SELECT line, arg_min(csv_line, error_type) AS csv_line, min(error_message) AS msg FROM ${REJECTS} GROUP BY line),
       t AS (SELECT line - row_number() OVER (ORDER BY line) AS t FROM rej)
       SELECT ln + (SELECT count(*) FROM t WHERE t.t < ln) AS ln, l, read_err FROM ${LINES}
       UNION ALL SELECT line, csv_line, split_part(msg, chr(10), 1) FROM rej`,
    );
  }
  await dropRejects(conn);
}

async function dropRejects(conn: DuckDBConnection): Promise<void> {
  await conn.run(`DROP TABLE IF EXISTS ${REJECTS}`);
  await conn.run(`DROP TABLE IF EXISTS ${REJECT_SCANS}`);
}

/** Not empty after trimming; trim only runs on a value that starts at or below a space (few do: it is slow on long lines). */
const notBlank = (col: string) => `(${col} IS NOT NULL AND (${col} >= '!' OR trim(${col}) <> ''))`;
/**
 * `cond AND expr` with `expr` evaluated only where `cond` holds: DuckDB evaluates both sides of
 * AND for every row, and a regexp on every line of a file costs more than the rest of its read.
 */
const onlyWhere = (cond: string, expr: string) => `CASE WHEN ${cond} THEN ${expr} ELSE false END`;
const errorText = (key: string, err: string) => `CASE WHEN ${err} IS NOT NULL THEN ${literal(key + ' line ')} || ln || ': ' || ${err} END`;

function fieldCells(line: string): { cells: string[] } {
  const cells: string[] = [];
  for (const m of line.matchAll(new RegExp(CSV_FIELD, 'g'))) {
    const c = m[1];
    cells.push(c.length >= 2 && c.startsWith('"') && c.endsWith('"') ? c.slice(1, -1).replace(/""/g, '"') : c);
  }
  return { cells };
}

export async function stageCsv(conn: DuckDBConnection, decl: DatasetDeclaration, a: StageFileArgs, emit: EmitStaged): Promise<void> {
  await readLines(conn, a.local);
  try {
    // Only a line with an odd number of quotes opens or closes a field running over lines; without one (the usual file), a line is a record.
    // (A filter, not an aggregate: the quote count then runs only on lines holding a quote.)
    const odd = await conn.runAndReadAll(`SELECT 1 FROM ${LINES} WHERE contains(l, '"') AND (length(l) - length(replace(l, '"', ''))) % 2 = 1 LIMIT 1`);
    let records = `(SELECT ln, l, false AS unterminated, read_err FROM ${LINES})`;
    if (odd.currentRowCount > 0) {
      // A record runs on while a quote is open: a line starts a record when the quotes before it are even.
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE ${RECORDS} AS
         WITH q AS (SELECT ln, l, read_err, coalesce(length(l) - length(replace(l, '"', '')), 0) AS nq FROM ${LINES}),
         c AS (SELECT ln, l, read_err, sum(nq) OVER (ORDER BY ln) AS upto, coalesce(sum(nq) OVER (ORDER BY ln ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before FROM q),
         g AS (SELECT ln, l, read_err, upto, sum(CASE WHEN before % 2 = 0 THEN 1 ELSE 0 END) OVER (ORDER BY ln) AS rec FROM c)
         SELECT min(ln) AS ln, CASE WHEN count(*) = 1 THEN any_value(l) ELSE string_agg(coalesce(l, ''), chr(10) ORDER BY ln) END AS l,
                max(upto) % 2 = 1 AS unterminated, min(read_err) AS read_err
         FROM g GROUP BY rec`,
      );
      records = RECORDS;
    }
    // the header is the first record that is not blank: looked for among the first lines, then everywhere
    const headAt = async (where: string) => (await conn.runAndReadAll(`SELECT ln, l FROM ${records} WHERE ${where}${notBlank('l')} ORDER BY ln LIMIT 1`)).getRowObjectsJS()[0];
    const head = (await headAt('ln <= 64 AND ')) ?? (await headAt(''));
    if (!head) return; // empty file: no records
    const header = fieldCells(String(head.l)).cells.map((h) => h.trim());
    const fields = (decl.sourceFields ?? []).map((f) => f.name);
    const cell = (f: string) => {
      const k = header.lastIndexOf(f);
      if (k < 0) return `NULL::VARCHAR AS ${ident(f)}`;
      // an unquoted empty cell is NULL; a quoted "" is an empty string
      const c = `__c${k + 1}`;
      return `CASE WHEN err IS NOT NULL OR ${c} = '' THEN NULL WHEN starts_with(${c}, '"') THEN replace(${c}[2:-2], '""', '"') ELSE ${c} END AS ${ident(f)}`;
    };
    const countError = `${literal(`expected ${header.length} fields (${header.join(',')}), found `)} || len(cells)`;
    // a line that is its fields joined by commas is not stored twice (rawTextSql gives it back)
    const raw = hasRuleFields(a.rawText, header) ? 'CASE WHEN hasq OR err IS NOT NULL THEN l END' : 'l';
    await emitWithDate(
      emit,
      decl,
      `WITH r AS (
         SELECT ln, l, unterminated, read_err, contains(l, '"') AS hasq,
                CASE WHEN contains(l, '"') THEN regexp_extract_all(l, ${literal(CSV_FIELD)}, 1) ELSE string_split(l, ',') END AS cells
         FROM ${records} WHERE ln > ${Number(head.ln)} AND ${notBlank('l')}
       ), e AS (
         SELECT *, CASE WHEN read_err IS NOT NULL THEN 'cannot read the line (' || read_err || ')'
                        WHEN unterminated THEN 'unterminated quoted field'
                        WHEN ${onlyWhere('hasq', `array_to_string(regexp_extract_all(l, ${literal(CSV_FIELD)}, 0), '') <> l`)} THEN 'text after a closing quote'
                        WHEN len(cells) <> ${header.length} THEN ${countError} END AS err,
                ${header.map((_, k) => `cells[${k + 1}] AS __c${k + 1}`).join(', ')}
         FROM r
       )
       SELECT ${[...fields.map(cell), `${raw} AS _raw`, `${errorText(a.key, 'err')} AS _parse_error`, `${literal(a.key + ':')} || ln AS _source`, 'ln AS _line', "'csv' AS _format", `${a.fileDate ? literal(a.fileDate) : 'NULL'}::VARCHAR AS _file_date`].join(', ')}
       FROM e`,
      a.ingestDate,
    );
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${RECORDS}`);
    await conn.run(`DROP TABLE IF EXISTS ${LINES}`);
  }
}

/** A JSON string literal; outside them, DuckDB's reader takes NaN / Infinity that JSON (and the reference reader) refuses. */
const JSON_STRING = '"(?:[^"\\\\]|\\\\.)*"';
const JSON_TYPE_NAME = `CASE json_type(l) WHEN 'ARRAY' THEN 'an array' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'object' ELSE 'number' END`;

export async function stageJsonLines(conn: DuckDBConnection, decl: DatasetDeclaration, a: StageFileArgs, emit: EmitStaged): Promise<void> {
  await readLines(conn, a.local);
  try {
    const fields = (decl.sourceFields ?? []).map((f) => f.name);
    // one parse into a struct of text values (cheaper than a path extraction per field)
    const shape = literal(JSON.stringify(Object.fromEntries(fields.map((f) => [f, 'VARCHAR']))));
    const values = fields.length ? `CASE WHEN err IS NULL THEN json_transform(l, ${shape}) END` : 'NULL';
    // a line that is exactly its fields as rawTextSql writes them is not stored twice
    const raw = fields.length && a.rawText ? `CASE WHEN err IS NULL AND ${jsonRecordSql(a.rawText, (f) => `vals.${ident(f)}`)} = l THEN NULL ELSE l END` : 'l';
    await emitWithDate(
      emit,
      decl,
      `WITH e AS (
         SELECT ln, l, CASE WHEN read_err IS NOT NULL THEN 'cannot read the line (' || read_err || ')'
                            WHEN NOT json_valid(l) THEN 'malformed JSON (not valid JSON text)'
                            WHEN ${onlyWhere(`contains(lower(l), 'nan') OR contains(lower(l), 'inf')`, `regexp_matches(regexp_replace(l, ${literal(JSON_STRING)}, '', 'g'), '(?i)nan|inf')`)}
                                 THEN 'malformed JSON (NaN or Infinity is not JSON)'
                            WHEN ${onlyWhere("NOT starts_with(l, '{')", "json_type(l) <> 'OBJECT'")} THEN 'expected a JSON object, got ' || ${JSON_TYPE_NAME} END AS err
         FROM ${LINES} WHERE ${notBlank('l')}
       ), v AS (SELECT *, ${values} AS vals FROM e)
       SELECT ${[...fields.map((f) => `vals.${ident(f)} AS ${ident(f)}`), `${raw} AS _raw`, `${errorText(a.key, 'err')} AS _parse_error`, `${literal(a.key + ':')} || ln AS _source`, 'ln AS _line', "'jsonl' AS _format", `${a.fileDate ? literal(a.fileDate) : 'NULL'}::VARCHAR AS _file_date`].join(', ')}
       FROM v`,
      a.ingestDate,
    );
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${LINES}`);
  }
}

export async function stageTextFile(conn: DuckDBConnection, decl: DatasetDeclaration, format: Exclude<FileFormat, 'parquet'>, a: StageFileArgs, emit: EmitStaged): Promise<void> {
  return format === 'csv' ? stageCsv(conn, decl, a, emit) : stageJsonLines(conn, decl, a, emit);
}
