/**
 * Every rule type on data that passes and data that fails, at each severity, on a real DuckDB.
 * The failing rows expected are computed here in JS from the same rows, independently of SQL.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../lakehouse';
import { evaluate, type Expectation, type Severity } from '../../quality';
import { batchTable, newConnection, rowsOf, type Row } from './quality-batch';

const COLUMNS = { id: 'VARCHAR', amount: 'DOUBLE', currency: 'VARCHAR', ts: 'TIMESTAMPTZ', bid: 'DOUBLE', ask: 'DOUBLE', customer_id: 'VARCHAR' };
const ts = (h: number): string => `2024-03-01 ${String(h).padStart(2, '0')}:00:00+00`;
const ROWS: Row[] = [
  { id: 't1', amount: 10, currency: 'USD', ts: ts(1), bid: 1, ask: 2, customer_id: 'C1' },
  { id: 't2', amount: -5, currency: 'EUR', ts: ts(2), bid: 3, ask: 2, customer_id: 'C2' },
  { id: 't1', amount: 20, currency: 'XXX', ts: ts(3), bid: 1, ask: 1, customer_id: 'C9' },
  { id: null, amount: null, currency: null, ts: null, bid: null, ask: null, customer_id: null },
  { id: '', amount: 1e12, currency: 'usd', ts: ts(5), bid: 5, ask: 5, customer_id: 'C1' },
  { id: 't6', amount: 0, currency: 'GBP', ts: ts(6), bid: 2, ask: 1, customer_id: 'C2' },
  { id: '  ', amount: 600000, currency: 'US1', ts: ts(7), bid: 0.5, ask: 0.6, customer_id: 'C3' },
  { id: 't8', amount: 7, currency: 'EUR', ts: ts(8), bid: 9, ask: 1, customer_id: 'C1' },
  { id: 't8', amount: 8, currency: 'USD', ts: ts(9), bid: 9, ask: 1, customer_id: 'C2' },
  { id: 't8', amount: 9, currency: 'EUR', ts: ts(10), bid: 9, ask: 1, customer_id: 'C2' },
  { id: 't8', amount: 9, currency: 'EUR', ts: ts(11), bid: 9, ask: 1, customer_id: 'C2' },
  { id: 't8', amount: 9, currency: 'EUR', ts: ts(12), bid: 9, ask: 1, customer_id: 'C2' },
  { id: 't8', amount: 9, currency: 'EUR', ts: ts(13), bid: 9, ask: 1, customer_id: 'C2' },
];
const CUSTOMERS = ['C1', 'C2'];
const EXISTING_IDS = ['t6'];
const CURRENCIES = ['USD', 'EUR', 'GBP'];
const NOW = new Date('2024-03-01T20:00:00Z');

type RuleBody = Expectation extends infer T ? (T extends unknown ? Omit<T, 'severity' | 'name'> : never) : never;
type RowRule = { e: RuleBody; fails: (r: Row, i: number, all: Row[]) => boolean; existing?: boolean };
const seenBefore = (r: Row, i: number, all: Row[]): boolean => r.id !== null && all.slice(0, i).some((x) => x.id === r.id);
const ROW_RULES: Record<string, RowRule> = {
  not_null: { e: { rule: 'not_null', column: 'id' }, fails: (r) => r.id === null },
  not_null_empty: { e: { rule: 'not_null', column: 'id', treatEmptyAsNull: true }, fails: (r) => r.id === null || String(r.id).trim() === '' },
  unique_in_batch: { e: { rule: 'unique', columns: ['id'] }, fails: seenBefore },
  unique_vs_existing: { e: { rule: 'unique', columns: ['id'] }, fails: (r, i, all) => seenBefore(r, i, all) || EXISTING_IDS.includes(String(r.id)), existing: true },
  unique_pair: { e: { rule: 'unique', columns: ['id', 'customer_id'] }, fails: (r, i, all) => r.id !== null && r.customer_id !== null && all.slice(0, i).some((x) => x.id === r.id && x.customer_id === r.customer_id) },
  between: { e: { rule: 'between', column: 'amount', min: 0, max: 1_000_000 }, fails: (r) => r.amount !== null && (Number(r.amount) < 0 || Number(r.amount) > 1e6) },
  between_min_only: { e: { rule: 'between', column: 'amount', min: 1 }, fails: (r) => r.amount !== null && Number(r.amount) < 1 },
  between_timestamps: { e: { rule: 'between', column: 'ts', min: '2024-03-01T02:00:00Z', max: '2024-03-01 10:00:00+00' }, fails: (r) => r.ts !== null && (Date.parse(String(r.ts)) < Date.parse('2024-03-01T02:00:00Z') || Date.parse(String(r.ts)) > Date.parse('2024-03-01T10:00:00Z')) },
  in_set: { e: { rule: 'in_set', column: 'currency', values: CURRENCIES }, fails: (r) => r.currency !== null && !CURRENCIES.includes(String(r.currency)) },
  match_regex: { e: { rule: 'match_regex', column: 'currency', pattern: '^[A-Z]{3}$' }, fails: (r) => r.currency !== null && !/^[A-Z]{3}$/.test(String(r.currency)) },
  foreign_key: { e: { rule: 'foreign_key', column: 'customer_id', reference: 'silver.customers', referenceColumn: 'customer_id' }, fails: (r) => r.customer_id !== null && !CUSTOMERS.includes(String(r.customer_id)) },
  column_pair: { e: { rule: 'column_pair', left: 'bid', op: '<=', right: 'ask' }, fails: (r) => r.bid !== null && r.ask !== null && !(Number(r.bid) <= Number(r.ask)) },
  column_pair_ne: { e: { rule: 'column_pair', left: 'bid', op: '<>', right: 'ask' }, fails: (r) => r.bid !== null && r.ask !== null && Number(r.bid) === Number(r.ask) },
  sql: { e: { rule: 'sql', expression: 'amount * 2 < 1000000' }, fails: (r) => r.amount !== null && !(Number(r.amount) * 2 < 1e6) },
};

let engine: Engine;
let conn: DuckDBConnection;
let n = 0;

beforeAll(async () => {
  ({ engine, conn } = await newConnection());
  await batchTable(conn, 'full_batch', COLUMNS, ROWS);
  await conn.run(`CREATE TEMP TABLE customers AS SELECT unnest(['${CUSTOMERS.join("','")}']) AS customer_id`);
  await conn.run(`CREATE TEMP TABLE existing AS SELECT unnest(['${EXISTING_IDS.join("','")}']) AS id, 'C2' AS customer_id`);
});
afterAll(async () => {
  conn?.closeSync();
  await engine?.close();
});

async function run(expectations: Expectation[], batch: string, opts: { existing?: boolean; now?: Date } = {}) {
  return evaluate({
    conn,
    suite: { dataset: 'tx', expectations },
    batchView: batch,
    referenceViews: { 'silver.customers': 'customers' },
    existingView: opts.existing ? 'existing' : undefined,
    now: opts.now ?? NOW,
    viewPrefix: `t${++n}`,
  });
}

const ids = async (view: string): Promise<number[]> => (await rowsOf(conn, `SELECT _row_id FROM ${view} ORDER BY _row_id`)).map((r) => Number(r._row_id));
const allIds = ROWS.map((_, i) => i + 1);

describe.each(Object.entries(ROW_RULES))('row rule %s', (label, spec) => {
  const failing = ROWS.map((r, i) => (spec.fails(r, i, ROWS) ? i + 1 : 0)).filter((x) => x > 0);

  it('the fixture has both passing and failing rows', () => {
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.length).toBeLessThan(ROWS.length);
  });

  it.each(['warn', 'drop', 'fail'] as Severity[])('passing data passes at %s', async (severity) => {
    const passing = ROWS.filter((r, i) => !spec.fails(r, i, ROWS));
    const table = `pass_${label}_${severity}`;
    await batchTable(conn, table, COLUMNS, passing);
    const r = await run([{ ...spec.e, name: label, severity } as Expectation], table, { existing: spec.existing });
    expect(r.outcomes[0]).toMatchObject({ expectation: label, outcome: 'passed', failed: 0, evaluated: passing.length, failureFraction: 0, sample: [] });
    expect(r.passed).toBe(passing.length);
    expect(r.dropped).toBe(0);
    expect(r.fatal).toEqual([]);
  });

  it('failing data at warn: rows kept, failures counted', async () => {
    const r = await run([{ ...spec.e, name: label, severity: 'warn' } as Expectation], 'full_batch', { existing: spec.existing });
    const o = r.outcomes[0]!;
    expect(o).toMatchObject({ outcome: 'warned', failed: failing.length, evaluated: ROWS.length });
    expect(o.failureFraction).toBeCloseTo(failing.length / ROWS.length, 10);
    expect(o.sample.map((s) => Number(s._row_id))).toEqual(failing.slice(0, 5));
    expect(r.passed).toBe(ROWS.length);
    expect(await ids(r.passedView)).toEqual(allIds);
    expect(await ids(r.failuresView)).toEqual([]);
    expect(r.fatal).toEqual([]);
  });

  it('failing data at drop: exactly the failing rows go to the failures view, with rule and message', async () => {
    const r = await run([{ ...spec.e, name: label, severity: 'drop' } as Expectation], 'full_batch', { existing: spec.existing });
    expect(r.outcomes[0]).toMatchObject({ outcome: 'dropped', failed: failing.length });
    expect(r.dropped).toBe(failing.length);
    expect(r.passed).toBe(ROWS.length - failing.length);
    expect(await ids(r.failuresView)).toEqual(failing);
    expect(await ids(r.passedView)).toEqual(allIds.filter((i) => !failing.includes(i)));
    const rows = await rowsOf(conn, `SELECT _raw, rules, messages FROM ${r.failuresView} ORDER BY _row_id`);
    for (const [k, row] of rows.entries()) {
      expect(row.rules).toEqual([label]);
      expect((row.messages as string[])[0]).toMatch(new RegExp(`^${label}: `));
      expect(JSON.parse(String(row._raw))).toEqual(ROWS[failing[k]! - 1]);
    }
    expect(r.fatal).toEqual([]);
  });

  it('failing data at fail: reported fatal', async () => {
    const r = await run([{ ...spec.e, name: label, severity: 'fail' } as Expectation], 'full_batch', { existing: spec.existing });
    expect(r.outcomes[0]).toMatchObject({ outcome: 'failed', failed: failing.length });
    expect(r.fatal.map((f) => f.expectation)).toEqual([label]);
    // Rows failing a fail rule are not passed on either: the caller throws, a replay keeps them.
    expect(await ids(r.failuresView)).toEqual(failing);
  });
});

describe.each([
  ['row_count_between', { rule: 'row_count_between', min: 1, max: 100 }, { rule: 'row_count_between', min: 20 }, NOW],
  ['row_count_between max', { rule: 'row_count_between', max: 13 }, { rule: 'row_count_between', max: 12 }, NOW],
  ['freshness', { rule: 'freshness', column: 'ts', maxAgeHours: 24 }, { rule: 'freshness', column: 'ts', maxAgeHours: 6 }, NOW],
] as const)('batch rule %s', (label, passing, failing, now) => {
  it.each(['warn', 'drop', 'fail'] as Severity[])('passes at %s', async (severity) => {
    const r = await run([{ ...passing, name: 'b', severity } as Expectation], 'full_batch', { now });
    expect(r.outcomes[0]).toMatchObject({ outcome: 'passed', failed: 0, evaluated: ROWS.length });
    expect(r.passed).toBe(ROWS.length);
  });
  it('fails at warn: the batch is kept, every row counted', async () => {
    const r = await run([{ ...failing, name: 'b', severity: 'warn' } as Expectation], 'full_batch', { now });
    expect(r.outcomes[0]).toMatchObject({ outcome: 'warned', failed: ROWS.length, failureFraction: 1 });
    expect(r.outcomes[0]!.message).toMatch(/^b: /);
    expect(r.passed).toBe(ROWS.length);
    expect(r.fatal).toEqual([]);
  });
  it('fails at drop: every row of the batch is quarantined with the reason', async () => {
    const r = await run([{ ...failing, name: 'b', severity: 'drop' } as Expectation, { name: 'nn', rule: 'not_null', column: 'id', severity: 'warn' }], 'full_batch', { now });
    expect(r.outcomes[0]!.outcome).toBe('dropped');
    expect(r.dropped).toBe(ROWS.length);
    expect(r.passed).toBe(0);
    expect(await ids(r.passedView)).toEqual([]);
    const rows = await rowsOf(conn, `SELECT _row_id, rules, messages FROM ${r.failuresView} ORDER BY _row_id`);
    expect(rows.map((x) => Number(x._row_id))).toEqual(allIds);
    // the row with a NULL id also carries the warn rule it failed
    expect(rows.map((x) => x.rules)).toEqual(ROWS.map((x) => (x.id === null ? ['b', 'nn'] : ['b'])));
    expect((rows[0]!.messages as string[])[0]).toBe(r.outcomes[0]!.message);
  });
  it('fails at fail: fatal', async () => {
    const r = await run([{ ...failing, name: 'b', severity: 'fail' } as Expectation], 'full_batch', { now });
    expect(r.fatal.map((f) => f.expectation)).toEqual(['b']);
    expect(r.outcomes[0]!.outcome).toBe('failed');
  });
});

describe('evaluate', () => {
  it('a row failing several rules carries all of them, warn ones included', async () => {
    const suite: Expectation[] = [
      { name: 'amount_range', rule: 'between', column: 'amount', min: 0, max: 1_000_000, severity: 'drop' },
      { name: 'currency_known', rule: 'in_set', column: 'currency', values: CURRENCIES, severity: 'drop' },
      { name: 'bid_le_ask', rule: 'column_pair', left: 'bid', op: '<=', right: 'ask', severity: 'warn' },
      { name: 'customer_exists', rule: 'foreign_key', column: 'customer_id', reference: 'silver.customers', referenceColumn: 'customer_id', severity: 'drop' },
    ];
    const r = await run(suite, 'full_batch');
    const expected = ROWS.map((row, i) => ({
      id: i + 1,
      rules: [
        ROW_RULES.between!.fails(row, i, ROWS) && 'amount_range',
        ROW_RULES.in_set!.fails(row, i, ROWS) && 'currency_known',
        ROW_RULES.column_pair!.fails(row, i, ROWS) && 'bid_le_ask',
        ROW_RULES.foreign_key!.fails(row, i, ROWS) && 'customer_exists',
      ].filter((x): x is string => typeof x === 'string'),
    })).filter((x) => x.rules.some((n) => n !== 'bid_le_ask'));
    const got = await rowsOf(conn, `SELECT _row_id, rules, messages FROM ${r.failuresView} ORDER BY _row_id`);
    expect(got.map((g) => ({ id: Number(g._row_id), rules: g.rules }))).toEqual(expected);
    expect(got.find((g) => Number(g._row_id) === 2)!.messages).toEqual([
      'amount_range: amount = -5.0 is outside [0, 1000000]',
      'bid_le_ask: expected bid <= ask, got bid = 3.0, ask = 2.0',
    ]);
    expect(r.passed + r.dropped).toBe(ROWS.length);
  });

  it('describes each expectation and shows the columns it looks at first in samples', async () => {
    const r = await run(
      [
        { name: 'bid', rule: 'column_pair', left: 'bid', op: '<=', right: 'ask', severity: 'warn' },
        { name: 'cur', rule: 'in_set', column: 'currency', values: CURRENCIES, severity: 'warn' },
        { name: 'rows', rule: 'row_count_between', min: 1, max: 5, severity: 'warn' },
      ],
      'full_batch',
    );
    expect(r.outcomes.map((o) => o.message)).toEqual(['expects bid <= ask', 'expects currency in {USD, EUR, GBP}', `rows: row count ${ROWS.length} is outside [1, 5]`]);
    expect(Object.keys(r.outcomes[0]!.sample[0]!)).toEqual(['_row_id', 'bid', 'ask', 'id', 'amount', 'currency', 'ts', 'customer_id', '_raw']);
    expect(Object.keys(r.outcomes[1]!.sample[0]!).slice(0, 2)).toEqual(['_row_id', 'currency']);
  });

  it('takes _raw and _source from rawView for failures and samples, whether or not the batch has its own _raw', async () => {
    await conn.run(`CREATE OR REPLACE TEMP TABLE raw_view AS SELECT _row_id, 'arrived:' || _row_id AS _raw, 'src:' || _row_id AS _source FROM full_batch`);
    await conn.run('CREATE OR REPLACE TEMP TABLE no_raw AS SELECT * EXCLUDE (_raw) FROM full_batch');
    const cur: Expectation = { name: 'cur', rule: 'in_set', column: 'currency', values: CURRENCIES, severity: 'drop' };
    for (const batch of ['full_batch', 'no_raw']) {
      const r = await evaluate({ conn, suite: { dataset: 'tx', expectations: [cur] }, batchView: batch, rawView: 'raw_view', now: NOW, viewPrefix: `t${++n}` });
      const failures = await rowsOf(conn, `SELECT _row_id, _raw, _source FROM ${r.failuresView} ORDER BY _row_id`);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((f) => f._raw === `arrived:${f._row_id}` && f._source === `src:${f._row_id}`)).toBe(true);
      const sample = r.outcomes[0]!.sample;
      expect(sample.length).toBeGreaterThan(0);
      expect(sample.every((row) => row._raw === `arrived:${row._row_id}`)).toBe(true);
    }
  });

  it('keeps at most 5 sample rows and no suite at all passes everything', async () => {
    const r = await run([{ name: 'bid', rule: 'column_pair', left: 'bid', op: '<', right: 'ask', severity: 'warn' }], 'full_batch');
    expect(r.outcomes[0]!.failed).toBeGreaterThan(5);
    expect(r.outcomes[0]!.sample).toHaveLength(5);
    const none = await run([], 'full_batch');
    expect(none).toMatchObject({ passed: ROWS.length, dropped: 0, outcomes: [], fatal: [] });
    expect(await ids(none.passedView)).toEqual(allIds);
  });

  it('an empty batch: row rules pass, freshness has nothing to show', async () => {
    await batchTable(conn, 'empty_batch', COLUMNS, []);
    const r = await run(
      [
        { name: 'nn', rule: 'not_null', column: 'id', severity: 'drop' },
        { name: 'fresh', rule: 'freshness', column: 'ts', maxAgeHours: 1, severity: 'warn' },
        { name: 'some', rule: 'row_count_between', min: 1, severity: 'warn' },
      ],
      'empty_batch',
    );
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['passed', 'warned', 'warned']);
    expect(r.outcomes[1]!.message).toMatch(/no values/);
    expect(r).toMatchObject({ passed: 0, dropped: 0, rowsIn: 0 });
  });

  it('names the dataset and expectation when the batch lacks a column or a reference view', async () => {
    await expect(run([{ name: 'x', rule: 'not_null', column: 'nope', severity: 'warn' }], 'full_batch')).rejects.toThrow(/tx.*'x'.*'nope'/);
    await expect(
      evaluate({ conn, suite: { dataset: 'tx', expectations: [{ name: 'fk', rule: 'foreign_key', column: 'customer_id', reference: 'silver.other', referenceColumn: 'id', severity: 'drop' }] }, batchView: 'full_batch', now: NOW }),
    ).rejects.toThrow(/'fk'.*silver\.other/);
  });
});
