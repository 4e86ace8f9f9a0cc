/**
 * The daily pipeline end to end: real Temporal (the stack's dev server), a real worker with
 * the real activities, the real lakehouse on local disk. Three generated days with defects.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { generate } from '../../pipeline';
import { generateData } from '../../pipeline/generate/generate';
import { dailyPipeline, replayFailed, type PipelineResult } from '../../workflows';
import { dailyWorkflowId } from '../../workflows/ids';
import { sharedContext } from '../../activities/context';
import { findFailedIn } from '../../activities/ledger';
import { e2eSpace, inProcessWorker, quietTemporal, type E2eSpace } from './harness';
import { expectedCustomerActivity, expectedIndicators, expectedOhlcv, expectedRisk, expectedTransactionSummary } from './expected';

/** Same keys; each expected field equal (numbers to 1e-9 relative; amount_sum is DECIMAL(38,2)). */
function compare<T extends object>(table: string, actual: Record<string, unknown>[], expected: Map<string, T>, key: (r: Record<string, unknown>) => string) {
  expect(actual.map(key).sort(), `${table} keys`).toEqual([...expected.keys()].sort());
  let figures = 0;
  for (const r of actual) {
    const want = expected.get(key(r))! as Record<string, unknown>;
    for (const [field, w] of Object.entries(want)) {
      const got = r[field];
      const where = `${table} ${key(r)} ${field}`;
      if (typeof w === 'number') {
        expect(got, where).not.toBeNull();
        const g = Number(got);
        expect(Math.abs(g - w), `${where}: ${g} vs ${w}`).toBeLessThanOrEqual(field === 'amount_sum' ? 0.005 : 1e-9 * Math.max(1, Math.abs(w)));
      } else {
        expect(got ?? null, where).toEqual(w);
      }
      figures++;
    }
  }
  return { table, rows: actual.length, figures };
}

const START = '2030-01-01';
const DATES = ['2030-01-01', '2030-01-02', '2030-01-03'];
const FAIL_DATE = '2030-01-04';
const GEN = { seed: 7, transactionsPerDay: 400, ticksPerDay: 300, customers: 60, defectRate: 0.05 };

let space: E2eSpace;
let client: Client;
let stop: () => Promise<void>;
const results = new Map<string, PipelineResult>();

async function runDay(date: string): Promise<PipelineResult> {
  return client.workflow.execute(dailyPipeline, { taskQueue: space.config.temporal.taskQueue, workflowId: dailyWorkflowId(date), args: [{ date }] });
}

/**
 * Rows of every table and a content hash of its business columns. Excepted: the per-run
 * histories, which grow by design with every run (ops.runs, the run ledger, and
 * silver.quality_metrics, one row per run and expectation, replaced per run id).
 */
async function tableFingerprints(): Promise<Record<string, Record<string, string | number>>> {
  const { warehouse } = await sharedContext();
  const out: Record<string, Record<string, string | number>> = {};
  for (const name of (await warehouse.listTables()).filter((t) => !t.startsWith('ops.') && t !== 'silver.quality_metrics')) {
    const t = (await warehouse.table(name))!;
    const fields = (await t.definition()).fields.filter((f) => !f.name.startsWith('_') && !/(run_id|batch_id|_at$|ingested|recorded|evaluated|report)/.test(f.name));
    // Doubles are compared to 9 decimals: a sum's last bits may depend on the order DuckDB adds in.
    const expr = (f: { name: string; type: string }) => (f.type === 'double' || f.type === 'float' ? `round("${f.name}", 9)` : `"${f.name}"`);
    const [r] = await t.query<Record<string, unknown>>(
      `SELECT count(*) AS rows, ${fields.map((f) => `CAST(coalesce(sum(hash(${expr(f)})), 0) AS VARCHAR) AS "${f.name}"`).join(', ')} FROM {{table}}`,
    );
    out[name] = Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, k === 'rows' ? Number(v) : String(v)]));
  }
  return out;
}

beforeAll(async () => {
  quietTemporal();
  space = e2eSpace('pipeline', { FINANCELAKE_KAFKA: '0' });
  await generate({ landing: space.config.landing, days: DATES.length, startDate: START, ...GEN });
  ({ client, stop } = await inProcessWorker(space, [...DATES, FAIL_DATE]));
}, 240_000);

afterAll(async () => {
  await stop?.();
  space?.cleanup();
});

describe('dailyPipeline end to end (local-disk warehouse)', () => {
  it('runs three generated days; every task succeeds and the invariant holds for every partition', async () => {
    for (const date of DATES) results.set(date, await runDay(date));
    for (const [date, r] of results) {
      const bad = r.tasks.filter((t) => t.state !== 'succeeded').map((t) => `${t.taskId}: ${t.state} ${t.error ?? ''}`);
      expect(bad, `${date}`).toEqual([]);
      expect(r.tasks).toHaveLength(13);
      for (const t of r.tasks.filter((x) => x.layer === 'silver')) {
        expect(t.invariantOk, `${date} ${t.taskId}`).toBe(true);
        expect(t.rowsIn, `${date} ${t.taskId}: bronze in = silver + quarantined + duplicates`).toBe(t.rowsOut + t.quarantined + t.duplicates);
      }
    }
    // defects were generated, and some were caught
    const quarantined = [...results.values()].reduce((n, r) => n + r.layers.silver.quarantined, 0);
    expect(quarantined).toBeGreaterThan(0);
    // what the results say is what the tables hold: quarantine rows per dataset and date
    const { warehouse } = await sharedContext();
    const q = (await warehouse.table('silver.quarantine'))!;
    for (const [date, r] of results) {
      for (const t of r.tasks.filter((x) => x.layer === 'silver')) {
        expect(await q.count(`dataset = '${t.dataset}' AND date = '${date}'`), `${date} ${t.taskId} quarantine rows`).toBe(t.quarantined);
      }
    }
  });

  it('every gold figure for one day equals an independent computation from the generated data', async () => {
    const date = DATES[2]!; // the last day: indicators and risk have history behind them
    const data = generateData({ days: DATES.length, startDate: START, ...GEN });
    const { warehouse } = await sharedContext();
    const rows = async (table: string) => (await warehouse.table(table))!.query<Record<string, unknown>>(`SELECT * FROM {{table}} WHERE date = DATE '${date}'`);
    const checked = await Promise.all([
      compare('gold.daily_ohlcv', await rows('gold.daily_ohlcv'), expectedOhlcv(data, date), (r) => String(r.symbol)),
      compare('gold.daily_transaction_summary', await rows('gold.daily_transaction_summary'), expectedTransactionSummary(data, date), (r) => `${r.region}|${r.type}|${r.currency}`),
      compare('gold.customer_daily_activity', await rows('gold.customer_daily_activity'), expectedCustomerActivity(data, date), (r) => String(r.customer_id)),
      compare('gold.technical_indicators', await rows('gold.technical_indicators'), expectedIndicators(data, date), (r) => String(r.symbol)),
      compare('gold.risk_metrics', await rows('gold.risk_metrics'), expectedRisk(data, date), (r) => `${r.entity_type}|${r.entity}`),
    ]);
    // every figure of every gold table was compared
    for (const c of checked) expect(c.figures, c.table).toBeGreaterThan(c.rows);
  });

  it('running the same day again leaves every table unchanged', async () => {
    const before = await tableFingerprints();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['bronze.transactions', 'silver.transactions', 'gold.daily_ohlcv', 'silver.quarantine']));
    const again = await runDay(DATES[1]!);
    expect(again.status).toBe('succeeded');
    expect(await tableFingerprints()).toEqual(before);
  });

  it('a partition that fails is reported failed while the others succeed; replayFailed completes it once the cause is gone', async () => {
    // Day 4 is delivered normally ...
    await generate({ landing: path.join(space.dir, 'day4'), days: 1, startDate: FAIL_DATE, ...GEN });
    for (const ds of ['customers', 'transactions', 'market_ticks', 'fx_rates']) {
      fs.cpSync(path.join(space.dir, 'day4', ds, FAIL_DATE), path.join(space.config.landing, ds, FAIL_DATE), { recursive: true });
    }
    // ... but silver.fx_rates was replaced by a table of another schema (rate_to_usd as text):
    // the task fails with SchemaMismatch, which no retry can fix, until someone restores the table.
    const { warehouse } = await sharedContext();
    const fxDir = path.join(space.config.warehouse, 'silver', 'fx_rates');
    const keptAside = path.join(space.dir, 'fx_rates.good');
    fs.renameSync(fxDir, keptAside);
    await warehouse.createTable('silver.fx_rates', {
      fields: [
        { name: 'currency', type: 'string' },
        { name: 'rate_to_usd', type: 'string' },
        { name: 'date', type: 'date' },
      ],
      partitionColumns: ['date'],
    });

    const r = await runDay(FAIL_DATE);
    const state = Object.fromEntries(r.tasks.map((t) => [t.taskId, t.state]));
    expect(r.status).toBe('failed');
    expect(state['silver.fx_rates']).toBe('failed');
    expect(r.tasks.find((t) => t.taskId === 'silver.fx_rates')!.error).toMatch(/SchemaMismatch/);
    for (const t of ['silver.transactions', 'gold.daily_transaction_summary', 'gold.customer_daily_activity', 'gold.risk_metrics']) expect(state[t], t).toBe('skipped');
    for (const t of ['bronze.fx_rates', 'bronze.customers', 'silver.customers', 'bronze.transactions', 'bronze.market_ticks', 'silver.market_ticks', 'gold.daily_ohlcv', 'gold.technical_indicators']) {
      expect(state[t], t).toBe('succeeded');
    }
    expect(await findFailedIn(warehouse, START, FAIL_DATE)).toEqual([
      { date: FAIL_DATE, tasks: ['gold.customer_daily_activity', 'gold.daily_transaction_summary', 'gold.risk_metrics', 'silver.fx_rates', 'silver.transactions'] },
    ]);

    // remove the cause (restore the table), then replay
    fs.rmSync(fxDir, { recursive: true, force: true });
    fs.renameSync(keptAside, fxDir);
    const replay = await client.workflow.execute(replayFailed, { taskQueue: space.config.temporal.taskQueue, workflowId: `financelake/replay/e2e-${Date.now()}`, args: [{ from: START, to: FAIL_DATE }] });
    expect(replay.replayed).toHaveLength(1);
    expect(replay.replayed[0]).toMatchObject({ date: FAIL_DATE, status: 'succeeded' });
    expect([...replay.replayed[0]!.tasks].sort()).toEqual(['gold.customer_daily_activity', 'gold.daily_transaction_summary', 'gold.risk_metrics', 'silver.fx_rates', 'silver.transactions']);
    expect(await findFailedIn(warehouse, START, FAIL_DATE)).toEqual([]);
    expect(await (await warehouse.table('silver.transactions'))!.count(`date = '${FAIL_DATE}'`)).toBeGreaterThan(0);
    expect(await (await warehouse.table('gold.daily_transaction_summary'))!.count(`date = '${FAIL_DATE}'`)).toBeGreaterThan(0);
  });
});
