/**
 * Silver/gold -> gold for one date: the declaration's SQL over the tables it reads (each
 * registered as its ReadSpec says), its rows replacing partition D. A gold suite is a set of
 * assertions: a FAIL stops the partition, warnings are recorded.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType } from '../../lakehouse';
import { evaluate, recordMetrics, type ExpectationOutcome } from '../../quality';
import { QualityFailure, SchemaMismatch } from '../errors';
import type { DatasetDeclaration, TaskContext, TaskInput } from '../types';
import { registerRead } from './reads';
import { addDays, dateLiteral, fillTemplate, ident, literal } from './sql';
import { ensureTable } from './tables';

export interface GoldOutcome {
  rowsIn: number;
  rowsOut: number;
  tableVersion: number;
  committed: boolean;
  outcomes: ExpectationOutcome[];
  details: Record<string, unknown>;
}

export async function runGold(ctx: TaskContext, input: TaskInput, decl: DatasetDeclaration, conn: DuckDBConnection): Promise<GoldOutcome> {
  const { date } = input;
  const dateCol = decl.dateColumn ?? 'date';
  const table = await ensureTable(ctx.warehouse, `gold.${decl.name}`);
  const views: Record<string, string> = {};
  const reads: Record<string, { version: number; rows: number }> = {};
  let rowsIn = 0;
  for (const r of decl.reads) {
    const reg = await registerRead(ctx.warehouse, conn, r, decl.readSpecs?.[r] ?? { mode: 'date' }, date);
    views[r] = reg.view;
    const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${ident(reg.view)}`)).getRowsJS()[0][0]);
    reads[r] = { version: reg.version, rows };
    rowsIn += rows;
  }
  ctx.heartbeat({ taskId: input.taskId, stage: 'transform', rowsIn });
  const sql = fillTemplate(decl.transformSql!.gold!, { date: dateLiteral(date), ...views }, `gold SQL of ${decl.name}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE g_rows AS SELECT CAST(row_number() OVER () AS BIGINT) AS _row_id, '' AS _raw, * FROM (${sql})`);
  const cols = new Set((await conn.runAndReadAll('DESCRIBE SELECT * FROM g_rows')).getRowObjectsJS().map((r) => String(r.column_name)));
  const missing = decl.schema.map((f) => f.name).filter((c) => !cols.has(c));
  if (missing.length) throw new SchemaMismatch(`gold.${decl.name}`, `the gold SQL does not produce ${missing.join(', ')}`);
  const rowsOut = Number((await conn.runAndReadAll('SELECT count(*) FROM g_rows')).getRowsJS()[0][0]);
  const stray = Number((await conn.runAndReadAll(`SELECT count(*) FROM g_rows WHERE ${ident(dateCol)} IS DISTINCT FROM ${dateLiteral(date)}`)).getRowsJS()[0][0]);
  if (stray > 0) throw new SchemaMismatch(`gold.${decl.name}`, `the gold SQL produced ${stray} rows outside ${dateCol} = ${date}`);

  let outcomes: ExpectationOutcome[] = [];
  if (decl.quality && decl.quality.expectations.length > 0) {
    const result = await evaluate({ conn, suite: decl.quality, batchView: 'g_rows', now: new Date(Date.parse(`${addDays(date, 1)}T00:00:00Z`)), viewPrefix: `q_${decl.name}` });
    outcomes = result.outcomes;
    const totals = { rowsIn: rowsOut, passed: rowsOut, quarantined: 0, duplicates: 0 };
    await recordMetrics(ctx.warehouse, { dataset: decl.name, date, runId: input.runId, outcomes, totals });
    if (result.fatal.length > 0) {
      throw new QualityFailure(decl.name, date, result.fatal.map((o) => ({ expectation: o.expectation, failed: o.failed, message: o.message })));
    }
  }
  const select = decl.schema.map((f) => `CAST(${ident(f.name)} AS ${duckdbType(f.type)}) AS ${ident(f.name)}`).join(', ');
  const write = await table.write(`SELECT ${select} FROM g_rows`, {
    replaceWhere: `${dateCol} = ${literal(date)}`,
    conn,
    operation: 'WRITE',
    operationParameters: { layer: 'gold', dataset: decl.name, date, runId: input.runId },
  });
  return { rowsIn, rowsOut, tableVersion: write.version, committed: write.committed, outcomes, details: { reads } };
}
