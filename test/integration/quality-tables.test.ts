/**
 * silver.quarantine and silver.quality_metrics as real Delta tables (local-disk warehouse through
 * the lakehouse API): exact re-runs, the report rebuilt from metrics, and quarantine replay that
 * moves rows out exactly once even when it crashes half way.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, Warehouse } from '../../lakehouse';
import {
  evaluate,
  type Expectation,
  loadReportRun,
  METRICS_TABLE,
  QUARANTINE_TABLE,
  type QualitySuite,
  recordMetrics,
  recordQuarantine,
  renderReport,
  replayQuarantine,
  TOTALS_EXPECTATION,
} from '../../quality';
import { cleanupDirs, tempDir, testEngine } from '../helpers/lakehouse';

let engine: Engine;
let warehouse: Warehouse;
let conn: DuckDBConnection;

const DATE = '2024-01-02';
const CURRENCIES = ['USD', 'EUR'];
type Tx = { id: string; amount: number; currency: string };
const TXS: Tx[] = [
  { id: 'T1', amount: 10, currency: 'USD' },
  { id: 'T2', amount: -1, currency: 'USD' },
  { id: 'T3', amount: 5, currency: 'JPY' },
  { id: 'T4', amount: -2, currency: 'JPY' },
  { id: 'T5', amount: 7, currency: 'EUR' },
  { id: 'T6', amount: 8, currency: 'JPY' },
];
const suiteWith = (currencies: string[]): QualitySuite => ({
  dataset: 'transactions',
  expectations: [
    { name: 'amount_positive', rule: 'between', column: 'amount', min: 0.01, severity: 'drop' },
    { name: 'currency_known', rule: 'in_set', column: 'currency', values: currencies, severity: 'drop' },
    { name: 'some_rows', rule: 'row_count_between', min: 1, severity: 'warn' },
  ] as Expectation[],
});

/** The typing silver would do: the JSON record -> typed columns, keeping _row_id and _raw. */
async function typeRaw(c: DuckDBConnection, rawView: string, out: string): Promise<string> {
  await c.run(
    `CREATE OR REPLACE TEMP TABLE ${out} AS SELECT _row_id, _raw, json_extract_string(_raw, '$.id') AS id,
       TRY_CAST(json_extract_string(_raw, '$.amount') AS DOUBLE) AS amount, json_extract_string(_raw, '$.currency') AS currency FROM ${rawView}`,
  );
  return out;
}

async function stageBatch(rows: Tx[], name: string): Promise<string> {
  const values = rows.map((r, i) => `(${i + 1}, '${JSON.stringify(r)}')`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${name}_raw AS SELECT CAST(c0 AS BIGINT) AS _row_id, c1 AS _raw FROM (VALUES ${values}) v(c0, c1)`);
  return typeRaw(conn, `${name}_raw`, name);
}

const quarantined = async (): Promise<{ batch_id: string; run_id: string; row_id: number; _raw: string; rules: string; messages: string }[]> =>
  (await (await warehouse.table(QUARANTINE_TABLE))!.query(`SELECT batch_id, run_id, row_id, _raw, rules, messages FROM {{table}} ORDER BY batch_id, row_id`)) as never;

beforeAll(async () => {
  engine = await testEngine();
  warehouse = await Warehouse.open(await tempDir('quality-wh-'), { engine });
  conn = await engine.connect();
});
afterAll(async () => {
  conn?.closeSync();
  await engine?.close();
  await cleanupDirs();
});

describe('quarantine', () => {
  it('records the failing rows as they arrived, with every rule and message; a re-run replaces, never duplicates', async () => {
    const batch = await stageBatch(TXS, 'b1');
    const r = await evaluate({ conn, suite: suiteWith(CURRENCIES), batchView: batch, now: new Date(), viewPrefix: 'e1' });
    const expectedFailing = TXS.filter((t) => t.amount < 0.01 || !CURRENCIES.includes(t.currency));
    expect(await recordQuarantine(warehouse, conn, { dataset: 'transactions', date: DATE, batchId: 'silver', runId: 'run-1', failuresView: r.failuresView })).toBe(expectedFailing.length);
    const rows = await quarantined();
    expect(rows.map((q) => JSON.parse(q._raw))).toEqual(expectedFailing);
    const t4 = rows.find((q) => JSON.parse(q._raw).id === 'T4')!;
    expect(JSON.parse(t4.rules)).toEqual(['amount_positive', 'currency_known']);
    expect(JSON.parse(t4.messages)).toEqual(['amount_positive: amount = -2.0 is outside [0.01, ∞]', 'currency_known: currency = JPY is not one of {USD, EUR}']);

    // the same batch again (a retry, or a re-run with a new run id): replaced, not added
    const table = (await warehouse.table(QUARANTINE_TABLE))!;
    await recordQuarantine(warehouse, conn, { dataset: 'transactions', date: DATE, batchId: 'silver', runId: 'run-2', failuresView: r.failuresView });
    const again = await quarantined();
    expect(again).toHaveLength(expectedFailing.length);
    expect(new Set(again.map((q) => q.run_id))).toEqual(new Set(['run-2']));
    expect(await table.count(`dataset = 'transactions' AND date = DATE '${DATE}'`)).toBe(expectedFailing.length);

    // another batch of the same day adds to the quarantine; the first batch's rows are untouched
    const other = await stageBatch([{ id: 'X1', amount: -9, currency: 'USD' }], 'b2');
    const r2 = await evaluate({ conn, suite: suiteWith(CURRENCIES), batchView: other, now: new Date(), viewPrefix: 'e2' });
    await recordQuarantine(warehouse, conn, { dataset: 'transactions', date: DATE, batchId: 'bronze-batch-7', runId: 'run-2', failuresView: r2.failuresView });
    expect((await quarantined()).map((q) => q.batch_id)).toEqual(['bronze-batch-7', ...expectedFailing.map(() => 'silver')]);
  });

  it('a batch that now passes clears its earlier quarantine rows; nothing to write and nothing there commits nothing', async () => {
    const table = (await warehouse.table(QUARANTINE_TABLE))!;
    const clean = await stageBatch([{ id: 'C1', amount: 1, currency: 'USD' }], 'b3');
    const r = await evaluate({ conn, suite: suiteWith(CURRENCIES), batchView: clean, now: new Date(), viewPrefix: 'e3' });
    const before = await table.version();
    expect(await recordQuarantine(warehouse, conn, { dataset: 'transactions', date: DATE, batchId: 'never-failed', runId: 'r', failuresView: r.failuresView })).toBe(0);
    expect(await table.version()).toBe(before);
    await recordQuarantine(warehouse, conn, { dataset: 'transactions', date: DATE, batchId: 'bronze-batch-7', runId: 'r', failuresView: r.failuresView });
    expect(await table.version()).toBe(before + 1);
    expect((await quarantined()).some((q) => q.batch_id === 'bronze-batch-7')).toBe(false);
  });
});

describe('quality metrics', () => {
  it('one row per expectation plus the invariant; the report is rebuilt from them', async () => {
    const batch = await stageBatch(TXS, 'm1');
    const r = await evaluate({ conn, suite: suiteWith(CURRENCIES), batchView: batch, now: new Date(), viewPrefix: 'm1e' });
    const totals = { rowsIn: TXS.length, passed: r.passed, quarantined: r.dropped, duplicates: 0 };
    await recordMetrics(warehouse, { dataset: 'transactions', date: DATE, runId: 'run-a', outcomes: r.outcomes, totals });
    await recordMetrics(warehouse, { dataset: 'transactions', date: DATE, runId: 'run-a', outcomes: r.outcomes, totals }); // retry: replaces
    const table = (await warehouse.table(METRICS_TABLE))!;
    expect(await table.count(`run_id = 'run-a'`)).toBe(r.outcomes.length + 1);
    const inv = await table.query<{ evaluated: number; failed: number; outcome: string }>(`SELECT evaluated, failed, outcome FROM {{table}} WHERE expectation = '${TOTALS_EXPECTATION}'`);
    expect(inv).toEqual([{ evaluated: TXS.length, failed: 0, outcome: 'passed' }]);

    // a later run of the same day: the report shows the latest run per dataset
    await new Promise((res) => setTimeout(res, 5));
    const later = r.outcomes.map((o) => (o.expectation === 'currency_known' ? { ...o, failed: 0, failureFraction: 0, outcome: 'passed' as const, sample: [] } : o));
    await recordMetrics(warehouse, { dataset: 'transactions', date: DATE, runId: 'run-b', outcomes: later, totals: { ...totals, passed: totals.passed + 2, quarantined: totals.quarantined - 2 } });
    const report = await loadReportRun(warehouse, { date: DATE });
    expect(report.runId).toBe('run-b');
    expect(report.datasets).toHaveLength(1);
    expect(report.datasets[0]!.outcomes).toEqual(later);
    expect(report.datasets[0]).toMatchObject({ rowsIn: TXS.length, passed: totals.passed + 2, quarantined: totals.quarantined - 2, duplicates: 0 });
    const older = await loadReportRun(warehouse, { date: DATE, runId: 'run-a' });
    expect(older.datasets[0]!.outcomes).toEqual(r.outcomes);
    expect(renderReport(older)).toContain('currency_known');
  });
});

describe('quarantine replay', () => {
  const DAY = '2024-01-03';
  let silverVersionBefore = 0;

  beforeAll(async () => {
    const batch = await stageBatch(TXS, 'r1');
    const r = await evaluate({ conn, suite: suiteWith(CURRENCIES), batchView: batch, now: new Date(), viewPrefix: 'r1e' });
    await recordQuarantine(warehouse, conn, { dataset: 'transactions', date: DAY, batchId: 'silver', runId: 'run-1', failuresView: r.failuresView });
    const silver = await warehouse.createTable('silver.replay_target', {
      fields: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'double' },
        { name: 'currency', type: 'string' },
      ],
    });
    silverVersionBefore = await silver.version();
  });

  const appendToSilver = async (c: DuckDBConnection, passedView: string, txn: { appId: string; version: number }) => {
    const silver = (await warehouse.table('silver.replay_target'))!;
    await silver.write(`SELECT id, amount, currency FROM ${passedView}`, { txn, conn: c });
  };
  const inQuarantine = async () => {
    const q = (await warehouse.table(QUARANTINE_TABLE))!;
    return (await q.query<{ _raw: string }>(`SELECT _raw FROM {{table}} WHERE date = DATE '${DAY}' ORDER BY row_id`)).map((r) => JSON.parse(r._raw).id as string);
  };
  const inSilver = async () => (await (await warehouse.table('silver.replay_target'))!.query<{ id: string }>('SELECT id FROM {{table}} ORDER BY id')).map((r) => r.id);

  it('after a rule fix, rows that pass leave the quarantine exactly once, even if the first replay crashed after handing them on', async () => {
    const before = await inQuarantine();
    expect(before).toEqual(TXS.filter((t) => t.amount < 0.01 || !CURRENCIES.includes(t.currency)).map((t) => t.id));
    const fixed = suiteWith([...CURRENCIES, 'JPY']);
    const shouldLeave = TXS.filter((t) => before.includes(t.id) && t.amount >= 0.01).map((t) => t.id);
    expect(shouldLeave.length).toBeGreaterThan(0);
    const opts = {
      dataset: 'transactions',
      date: DAY,
      suite: fixed,
      runId: 'replay-1',
      prepare: (c: DuckDBConnection, rawView: string) => typeRaw(c, rawView, 'replay_typed'),
    };

    // 1st attempt: silver append succeeds, then the process "dies" before the quarantine delete
    await expect(
      replayQuarantine(warehouse, conn, {
        ...opts,
        onPassed: async (c, view, txn) => {
          await appendToSilver(c, view, txn);
          throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    expect(await inQuarantine()).toEqual(before);
    expect(await inSilver()).toEqual([...shouldLeave].sort());

    // 2nd attempt: the append is recognised by its txn and skipped; the delete goes through
    const result = await replayQuarantine(warehouse, conn, { ...opts, onPassed: appendToSilver });
    expect(result).toMatchObject({ examined: before.length, released: shouldLeave.length, stillQuarantined: before.length - shouldLeave.length });
    expect(await inQuarantine()).toEqual(before.filter((id) => !shouldLeave.includes(id)));
    expect(await inSilver()).toEqual([...shouldLeave].sort());
    expect(await (await warehouse.table('silver.replay_target'))!.version()).toBe(silverVersionBefore + 1);

    // nothing left that passes: a further replay releases nothing and writes nothing
    const q = (await warehouse.table(QUARANTINE_TABLE))!;
    const v = await q.version();
    const third = await replayQuarantine(warehouse, conn, { ...opts, onPassed: appendToSilver });
    expect(third).toMatchObject({ released: 0, stillQuarantined: before.length - shouldLeave.length });
    expect(await q.version()).toBe(v);
  });
});
