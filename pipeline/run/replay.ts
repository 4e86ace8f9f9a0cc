/**
 * Re-processing quarantined rows of (dataset, date) after a rule or upstream fix, through
 * quality/replayQuarantine: each quarantined row is found again in bronze by its `_source`, typed
 * and enriched exactly as silver does, re-evaluated, and the rows that now pass are appended to
 * the silver partition (with txn, so a crashed replay run again appends once) and leave the
 * quarantine. Rows that still fail, or whose bronze row is gone, stay where they are.
 */
import { duckdbType } from '../../lakehouse';
import { replayQuarantine, type ReplayResult } from '../../quality';
import { SchemaMismatch } from '../errors';
import { dataset } from '../registry';
import type { TaskContext } from '../types';
import { registerBronzeDate, typeBatch } from './silver';
import { addDays, dateLiteral, ident, literal, viewName } from './sql';
import { ensureTable } from './tables';

export interface QuarantineReplay extends ReplayResult {
  dataset: string;
  date: string;
}

export async function replayQuarantined(ctx: TaskContext, args: { dataset: string; date: string; runId: string }): Promise<QuarantineReplay> {
  const decl = dataset(args.dataset);
  if (!decl.source) throw new SchemaMismatch(`silver.${decl.name}`, `dataset ${decl.name} has no silver layer to replay into`);
  const { date } = args;
  const dateCol = decl.dateColumn ?? 'date';
  const conn = await ctx.engine.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const silver = await ensureTable(ctx.warehouse, `silver.${decl.name}`);
    const { rawText } = await registerBronzeDate(ctx, decl, date, conn);
    // stored rows up to D: a replayed key must not duplicate one already in silver
    await silver.registerView(conn, 'r_existing_scan', { predicate: `${dateCol} <= ${literal(date)}` });
    await conn.run(`CREATE OR REPLACE TEMP VIEW r_existing AS SELECT * FROM r_existing_scan WHERE ${ident(dateCol)} <= ${dateLiteral(date)}`);
    const referenced = new Set(decl.reads.filter((r) => r !== `bronze.${decl.name}`));
    for (const e of decl.quality?.expectations ?? []) if (e.rule === 'foreign_key') referenced.add(e.reference);
    const referenceViews = Object.fromEntries([...referenced].map((r) => [r, viewName(r)]));
    const result = await replayQuarantine(ctx.warehouse, conn, {
      dataset: decl.name,
      date,
      runId: args.runId,
      suite: decl.quality ?? { dataset: decl.name, expectations: [] },
      existingView: 'r_existing',
      referenceViews,
      now: new Date(Date.parse(`${addDays(date, 1)}T00:00:00Z`)),
      prepare: async (c, rawView) => {
        await c.run(`CREATE OR REPLACE TEMP TABLE s_batch AS SELECT r._row_id, b.* EXCLUDE (_raw), b._raw FROM ${rawView} r JOIN s_bronze b ON b._source = r._source`);
        await typeBatch(ctx, decl, date, c, rawText);
        // rows that still cannot be read or cast stay in the quarantine
        await c.run('CREATE OR REPLACE TEMP TABLE s_replay AS SELECT * FROM s_rows WHERE _row_id NOT IN (SELECT _row_id FROM s_pre_rows)');
        return 's_replay';
      },
      onPassed: async (c, passedView, txn) => {
        const select = decl.schema.map((f) => `CAST(${ident(f.name)} AS ${duckdbType(f.type)}) AS ${ident(f.name)}`).join(', ');
        await silver.write(`SELECT ${select} FROM ${passedView}`, {
          mode: 'append',
          conn: c,
          txn,
          operation: 'WRITE',
          operationParameters: { layer: 'silver', dataset: decl.name, date, runId: args.runId, replay: true },
        });
      },
    });
    return { dataset: decl.name, date, ...result };
  } finally {
    conn.closeSync();
  }
}
