/**
 * Reading one landing file the way bronze does: every field as VARCHAR, nothing dropped. Lines
 * the reader cannot split into the header's fields (CSV) or parse (JSON lines) come back as rows
 * too, with `_error` set and the line as it was in `_raw`, so the caller can quarantine them;
 * a file that cannot be read at all (a truncated Parquet file) raises RawFileError naming it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errText, ident, lit } from './sql';

export type RawFormat = 'csv' | 'jsonl' | 'parquet';

/** A file that cannot be read at all; names the file. */
export class RawFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read ${path}: ${reason}`);
    this.name = 'RawFileError';
  }
}

export interface RawRead {
  /** rows in the view, rejected lines included */
  rows: number;
  /** rows with `_error` set */
  rejected: number;
  /** the data columns (all VARCHAR), without `_line`, `_raw`, `_error` */
  columns: string[];
}

/**
 * Creates temp view `viewName`: the file's fields (VARCHAR), `_line` BIGINT (the line number for
 * CSV rejects and JSON lines, the row number for Parquet, NULL for readable CSV rows), `_raw` VARCHAR (the record as a JSON
 * object of its raw fields, or the rejected line as it was) and `_error` VARCHAR (NULL = readable).
 */
export async function readRawFile(conn: DuckDBConnection, path: string, format: RawFormat, viewName: string): Promise<RawRead> {
  const tag = `q_raw_${Math.random().toString(36).slice(2, 10)}`;
  const view = ident(viewName);
  try {
    if (format === 'csv') await readCsv(conn, path, tag, view);
    else if (format === 'jsonl') await readJsonLines(conn, path, tag, view);
    else if (format === 'parquet') {
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE ${tag} AS SELECT COLUMNS(*)::VARCHAR, CAST(row_number() OVER () AS BIGINT) AS _line,
           CAST(to_json(t) AS VARCHAR) AS _raw, CAST(NULL AS VARCHAR) AS _error FROM read_parquet(${lit(path)}) t`,
      );
      await conn.run(`CREATE OR REPLACE TEMP VIEW ${view} AS SELECT * FROM ${tag}`);
    } else throw new Error(`unknown format ${JSON.stringify(format)}`);
  } catch (err) {
    if (err instanceof RawFileError) throw err;
    throw new RawFileError(path, errText(err));
  }
  const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${view}`)).getRowObjectsJson().map((r) => String(r.column_name));
  const counts = (await conn.runAndReadAll(`SELECT count(*) AS n, count(_error) AS bad FROM ${view}`)).getRowObjectsJson()[0]!;
  return { rows: Number(counts.n), rejected: Number(counts.bad), columns: described.filter((c) => !['_line', '_raw', '_error'].includes(c)) };
}

async function readCsv(conn: DuckDBConnection, path: string, tag: string, view: string): Promise<void> {
  // store_rejects keeps the lines DuckDB could not split (too many / missing columns, bad
  // unicode) in a table instead of silently skipping them: nothing is lost.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${tag} AS SELECT * FROM read_csv(${lit(path)}, all_varchar = true, header = true,
       store_rejects = true, rejects_table = '${tag}_rej', rejects_scan = '${tag}_scan')`,
  );
  let cols = (await conn.runAndReadAll(`DESCRIBE ${tag}`)).getRowObjectsJson().map((r) => String(r.column_name));
  // An empty file reads as one made-up column 'column0' and no rows: it has no columns at all.
  const empty = Number((await conn.runAndReadAll(`SELECT (SELECT count(*) FROM ${tag}) + (SELECT count(*) FROM ${tag}_rej) AS n`)).getRowObjectsJson()[0]!.n) === 0;
  if (empty && cols.length === 1 && cols[0] === 'column0') cols = [];
  const fields = cols.map((c) => `${lit(c)}: ${ident(c)}`).join(', ');
  const nulls = cols.map((c) => `CAST(NULL AS VARCHAR) AS ${ident(c)}`).join(', ');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${tag}_all AS
     SELECT ${cols.map((c) => `${ident(c)}, `).join('')}CAST(NULL AS BIGINT) AS _line, CAST(to_json({${fields || "'_': NULL"}}) AS VARCHAR) AS _raw, CAST(NULL AS VARCHAR) AS _error FROM ${tag}
     UNION ALL
     SELECT ${nulls ? `${nulls}, ` : ''}CAST(line AS BIGINT), trim(csv_line, chr(10) || chr(13)), error_type || ': ' || error_message || ' (line ' || line || ')'
     FROM (SELECT DISTINCT line, csv_line, first(error_type) OVER w AS error_type, first(error_message) OVER w AS error_message
           FROM ${tag}_rej WINDOW w AS (PARTITION BY line ORDER BY error_type))`,
  );
  await conn.run(`DROP TABLE IF EXISTS ${tag}_rej`);
  await conn.run(`DROP TABLE IF EXISTS ${tag}_scan`);
  await conn.run(`DROP TABLE ${tag}`);
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${view} AS SELECT * FROM ${tag}_all`);
}

async function readJsonLines(conn: DuckDBConnection, path: string, tag: string, view: string): Promise<void> {
  // One VARCHAR per line (no quoting, a delimiter that does not occur in text), then JSON per line:
  // a malformed line is a row with _error, not a failed file.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${tag}_lines AS
     SELECT CAST(row_number() OVER () AS BIGINT) AS _line, rtrim(ltrim(line, chr(65279)), chr(13)) AS line
     FROM read_csv(${lit(path)}, columns = {'line': 'VARCHAR'}, header = false, delim = chr(1), quote = '', escape = '',
                   auto_detect = false, strict_mode = false, null_padding = true)`,
  );
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${tag}_parsed AS
     SELECT _line, line,
       CASE WHEN NOT json_valid(line) THEN 'malformed JSON'
            WHEN json_type(line) <> 'OBJECT' THEN 'not a JSON object (' || lower(json_type(line)) || ')' END AS _error
     FROM ${tag}_lines WHERE line IS NOT NULL AND trim(line) <> ''`,
  );
  const keys = (
    await conn.runAndReadAll(
      `SELECT k FROM (SELECT unnest(json_keys(line)) AS k, _line FROM ${tag}_parsed WHERE _error IS NULL) GROUP BY k ORDER BY min(_line), k`,
    )
  ).getRowObjectsJson().map((r) => String(r.k));
  // ->> yields the text of a scalar and the JSON text of a nested value; JSON null becomes NULL.
  const fields = keys.map((k) => `CASE WHEN _error IS NULL THEN json_extract_string(line, ${lit(`$."${k.replace(/"/g, '\\"')}"`)}) END AS ${ident(k)}`);
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW ${view} AS SELECT ${[...fields, '_line', 'line AS _raw', `CASE WHEN _error IS NOT NULL THEN _error || ' (line ' || _line || ')' END AS _error`].join(', ')} FROM ${tag}_parsed`,
  );
  await conn.run(`DROP TABLE ${tag}_lines`);
}
