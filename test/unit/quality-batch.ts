/** Shared by the quality unit tests: a real DuckDB (the lakehouse Engine) and batch tables built from JS rows. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { Engine } from '../../lakehouse';

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
