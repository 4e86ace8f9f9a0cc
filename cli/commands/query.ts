/**
 * `financelake query "<SQL>"`: SQL over the warehouse's current table versions. A table is
 * named as in the docs (silver.transactions); each one the SQL mentions is registered as a
 * view of its current snapshot and the name rewritten to that view. A bronze table's `_raw` is
 * the record's text whether bronze stored it or the fields give it back (pipeline/run/raw-text.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadConfig } from '../../config/env';
import { closeSharedContext, sharedContext, useConfig } from '../../activities/context';
import type { DeltaTable } from '../../lakehouse';
import { rawTextSql, storedRawTextSpec } from '../../pipeline/run/raw-text';
import { CommandFailed, UsageError, optionalInt, parse } from '../args';
import type { Command } from '../command';
import { table } from '../format';

const usage = 'financelake query "SELECT region, count(*) FROM silver.transactions GROUP BY 1" [--max-rows N] [--json]';

/** Table names the SQL mentions (outside string literals), among those that exist. */
export function referencedTables(sql: string, known: string[]): string[] {
  const code = sql.replace(/'(?:[^']|'')*'/g, "''");
  return known.filter((t) => new RegExp(`(^|[^\\w."])${t.replace('.', '\\.')}(?![\\w])`).test(code));
}

export function rewrite(sql: string, tables: string[]): string {
  // Split on string literals so only code is rewritten.
  return sql
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : tables.reduce((s, t) => s.replace(new RegExp(`(^|[^\\w."])${t.replace('.', '\\.')}(?![\\w])`, 'g'), `$1${viewName(t)}`), part)))
    .join('');
}

export function viewName(table: string): string {
  return `"${table.replace('.', '__')}"`;
}

async function registerTable(conn: DuckDBConnection, name: string, t: DeltaTable): Promise<void> {
  const view = viewName(name).slice(1, -1);
  const rule = name.startsWith('bronze.') ? await storedRawTextSpec(t) : undefined;
  if (!rule) {
    await t.registerView(conn, view);
    return;
  }
  await t.registerView(conn, `${view}__stored`);
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${viewName(name)} AS SELECT * REPLACE (${rawTextSql(rule)} AS _raw) FROM "${view}__stored"`);
}

export const queryCommand: Command = {
  name: 'query',
  summary: 'run SQL over the tables (named like silver.transactions)',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { 'max-rows': { type: 'string' }, json: { type: 'boolean' } }, usage, true);
    if (positionals.length !== 1 || !positionals[0]!.trim()) throw new UsageError('query takes one SQL statement (quote it)', usage);
    const maxRows = optionalInt(values['max-rows'], 'max-rows', usage, 1) ?? 200;
    const sql = positionals[0]!;
    const config = loadConfig();
    useConfig(config);
    try {
      const { warehouse, engine } = await sharedContext();
      const known = await warehouse.listTables();
      const used = referencedTables(sql, known);
      const conn = await engine.connect();
      for (const name of used) await registerTable(conn, name, (await warehouse.table(name))!);
      let rows: Record<string, unknown>[];
      try {
        rows = await engine.all(rewrite(sql, used), conn);
      } catch (e) {
        const mentioned = /\b(bronze|silver|gold|ops)\.\w+/.exec(sql)?.[0];
        const hint = mentioned && !known.includes(mentioned) ? ` (no table ${mentioned}; tables: ${known.join(', ') || 'none'})` : '';
        throw new CommandFailed(`query failed: ${(e as Error).message}${hint}`);
      }
      if (values.json) console.log(JSON.stringify(rows, null, 2));
      else if (!rows.length) console.log('(no rows)');
      else {
        const headers = Object.keys(rows[0]!);
        console.log(table(headers, rows.slice(0, maxRows).map((r) => headers.map((h) => r[h]))));
        console.log(rows.length > maxRows ? `(${rows.length} rows, first ${maxRows} shown)` : `(${rows.length} row${rows.length === 1 ? '' : 's'})`);
      }
      return 0;
    } finally {
      await closeSharedContext();
    }
  },
};
