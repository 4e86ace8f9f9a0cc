/**
 * Registering the tables a task reads as temp views on its connection, each seen as its
 * ReadSpec says for the partition date ('date', 'asof', 'history'). Tables not created yet
 * are created empty, so a first run reads nothing instead of failing.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Warehouse } from '../../lakehouse';
import { dataset, parseTaskId } from '../registry';
import type { ReadSpec } from '../types';
import { addDays, ident, literal, viewName } from './sql';
import { ensureTable } from './tables';

export interface RegisteredRead {
  view: string;
  version: number;
  predicate: string;
}

/** A predicate in the subset both the lakehouse scan planner and DuckDB accept (bare column name). */
async function predicateFor(warehouse: Warehouse, taskId: string, spec: ReadSpec, date: string): Promise<string> {
  const col = dataset(parseTaskId(taskId).dataset).dateColumn ?? 'date';
  switch (spec.mode) {
    case 'date':
      return `${col} = ${literal(date)}`;
    case 'history':
      return spec.days ? `${col} >= ${literal(addDays(date, -(spec.days - 1)))} AND ${col} <= ${literal(date)}` : `${col} <= ${literal(date)}`;
    case 'asof': {
      const table = await ensureTable(warehouse, taskId);
      const rows = await table.query<{ d: string | null }>(`SELECT CAST(max(${ident(col)}) AS VARCHAR) AS d FROM {{table}} WHERE ${ident(col)} <= ${literal(date)}`, {
        predicate: `${col} <= ${literal(date)}`,
      });
      const latest = rows[0]?.d ?? date;
      return `${col} = ${literal(latest)}`;
    }
  }
}

/** Registers `taskId` as view `view` (default r_<layer>_<dataset>) seen through `spec` for the date. */
export async function registerRead(
  warehouse: Warehouse,
  conn: DuckDBConnection,
  taskId: string,
  spec: ReadSpec,
  date: string,
  view = viewName(taskId),
): Promise<RegisteredRead> {
  const table = await ensureTable(warehouse, taskId);
  const version = await table.version();
  const predicate = await predicateFor(warehouse, taskId, spec, date);
  // the scan prunes files by the predicate; the view applies it to rows as well
  await table.registerView(conn, `${view}_scan`, { version, predicate });
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${ident(view)} AS SELECT * FROM ${ident(`${view}_scan`)} WHERE ${predicate}`);
  return { view, version, predicate };
}
