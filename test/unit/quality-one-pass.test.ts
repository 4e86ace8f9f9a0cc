/**
 * evaluate() judges every row rule in one pass over the batch. This checks it against a naive
 * evaluation written here, independently: one plain SQL query per rule (correlated subqueries,
 * no joins or filters shared), the messages of a run with that rule alone, and the batch rules
 * worked out in JS. Run over every file of the bad-input corpus and over a batch where rows fail
 * every rule at once, at each severity.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../lakehouse';
import { BATCH_RULES, evaluate, type Expectation, type Severity } from '../../quality';
import { batchTable, CORPUS, CORPUS_NOW, CORPUS_SUITE, corpusBatch, newConnection, type Row, rowsOf } from './quality-batch';

let engine: Engine;
let conn: DuckDBConnection;
let n = 0;
beforeAll(async () => {
  ({ engine, conn } = await newConnection());
});
afterAll(async () => {
  conn?.closeSync();
  await engine?.close();
});

interface Setting {
  batch: string;
  now: Date;
  existingView?: string;
  referenceViews?: Record<string, string>;
}

const q = (c: string): string => `b."${c}"`;
const sqlLit = (v: string | number): string => (typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);

/** The naive predicate: true when the row fails. */
async function naivePredicate(e: Expectation, s: Setting): Promise<string> {
  const type = async (c: string): Promise<string> => String((await rowsOf(conn, `DESCRIBE SELECT ${q(c)} FROM ${s.batch} b`))[0]!.column_type);
  switch (e.rule) {
    case 'not_null':
      return e.treatEmptyAsNull && (await type(e.column)).startsWith('VARCHAR')
        ? `${q(e.column)} IS NULL OR ${q(e.column)} = '' OR (${q(e.column)} LIKE ' %' AND trim(${q(e.column)}) = '')`
        : `${q(e.column)} IS NULL`;
    case 'unique': {
      const same = (alias: string) => e.columns.map((c) => `${alias}."${c}" = ${q(c)}`).join(' AND ');
      const stored = s.existingView ? ` OR EXISTS (SELECT 1 FROM ${s.existingView} x WHERE ${same('x')})` : '';
      return `EXISTS (SELECT 1 FROM ${s.batch} o WHERE ${same('o')} AND o._row_id < b._row_id)${stored}`;
    }
    case 'between': {
      const t = await type(e.column);
      const parts = [e.min !== undefined && `${q(e.column)} < CAST(${sqlLit(e.min)} AS ${t})`, e.max !== undefined && `${q(e.column)} > CAST(${sqlLit(e.max)} AS ${t})`];
      return parts.filter(Boolean).join(' OR ');
    }
    case 'in_set': {
      const t = await type(e.column);
      return `${q(e.column)} IS NOT NULL AND NOT list_contains([${e.values.map((v) => `CAST(${sqlLit(v)} AS ${t})`).join(', ')}], ${q(e.column)})`;
    }
    case 'match_regex':
      return `NOT regexp_matches(CAST(${q(e.column)} AS VARCHAR), ${sqlLit(e.pattern)})`;
    case 'foreign_key': {
      const ref = s.referenceViews![e.reference]!;
      return `${q(e.column)} IS NOT NULL AND ${q(e.column)} NOT IN (SELECT "${e.referenceColumn}" FROM ${ref} WHERE "${e.referenceColumn}" IS NOT NULL)`;
    }
    case 'column_pair':
      return `NOT (${q(e.left)} ${e.op} ${q(e.right)})`;
    case 'sql':
      return `NOT (${e.expression})`;
    default:
      throw new Error(`${e.rule} is a batch rule`);
  }
}

/** per batch and rule (whatever its severity): the naive failing rows and the rule's own messages */
const naive = new Map<string, { failing: number[]; messages: Map<number, string> }>();

const ids = async (sql: string): Promise<number[]> => (await rowsOf(conn, sql)).map((r) => Number(r._row_id));

/** Evaluates `expectations` in one run and rule by rule, and compares everything the caller reads. */
async function expectSameAsNaive(expectations: Expectation[], s: Setting): Promise<{ failing: number; dropped: number }> {
  const run = (es: Expectation[]) => evaluate({ conn, suite: { dataset: 'd', expectations: es }, batchView: s.batch, now: s.now, existingView: s.existingView, referenceViews: s.referenceViews, viewPrefix: `p${++n}` });
  const r = await run(expectations);
  const all = await ids(`SELECT _row_id FROM ${s.batch} ORDER BY _row_id`);
  const rawOf = new Map((await rowsOf(conn, `SELECT _row_id, _raw FROM ${s.batch}`)).map((x) => [Number(x._row_id), x._raw]));
  const rowOf = new Map((await rowsOf(conn, `SELECT * FROM ${s.batch}`)).map((x) => [Number(x._row_id), x]));
  expect(r.rowsIn).toBe(all.length);

  // per rule: the failing rows and, from a run with the rule alone, each row's message
  const fails = new Map<Expectation, number[]>();
  const messages = new Map<Expectation, Map<number, string>>();
  const batchLevel = new Map<Expectation, boolean>();
  const newest = Number((await rowsOf(conn, `SELECT epoch_ms(max(ts)) AS t FROM ${s.batch}`).catch(() => [{ t: null }]))[0]?.t ?? NaN);
  for (const e of expectations) {
    if (e.rule === 'row_count_between') {
      batchLevel.set(e, (e.min !== undefined && all.length < e.min) || (e.max !== undefined && all.length > e.max));
    } else if (e.rule === 'freshness') {
      batchLevel.set(e, Number.isNaN(newest) || (s.now.getTime() - newest) / 3_600_000 > e.maxAgeHours);
    } else {
      const key = JSON.stringify([s, { ...e, severity: undefined }]);
      if (!naive.has(key)) {
        const failing = await ids(`SELECT _row_id FROM ${s.batch} b WHERE coalesce(${await naivePredicate(e, s)}, false) ORDER BY _row_id`);
        const alone = await run([{ ...e, severity: 'drop' } as Expectation]);
        const rows = await rowsOf(conn, `SELECT _row_id, messages FROM ${alone.failuresView}`);
        naive.set(key, { failing, messages: new Map(rows.map((x) => [Number(x._row_id), (x.messages as string[])[0]!])) });
      }
      fails.set(e, naive.get(key)!.failing);
      messages.set(e, naive.get(key)!.messages);
    }
  }

  // outcomes: counts, verdicts, samples
  const verdict: Record<Severity, string> = { warn: 'warned', drop: 'dropped', fail: 'failed' };
  for (const [k, e] of expectations.entries()) {
    const o = r.outcomes[k]!;
    const bad = batchLevel.has(e) ? batchLevel.get(e)! : fails.get(e)!.length > 0;
    expect(o, e.name).toMatchObject({ expectation: e.name, severity: e.severity, evaluated: all.length, outcome: bad ? verdict[e.severity] : 'passed' });
    if (batchLevel.has(e)) {
      expect(o.failed, e.name).toBe(bad ? all.length : 0);
      continue;
    }
    const f = fails.get(e)!;
    expect(o.failed, e.name).toBe(f.length);
    expect(o.sample.map((x) => Number(x._row_id)), e.name).toEqual(f.slice(0, 5));
    for (const x of o.sample) expect(x, e.name).toEqual(rowOf.get(Number(x._row_id)));
  }
  expect(r.fatal.map((o) => o.expectation)).toEqual(expectations.filter((e) => e.severity === 'fail' && (batchLevel.get(e) ?? fails.get(e)!.length > 0)).map((e) => e.name));

  // failures: every rule a row failed (warn ones too) in suite order, batch-level drops first
  const batchDrops = expectations.filter((e) => e.severity === 'drop' && batchLevel.get(e) === true);
  const rowRules = expectations.filter((e) => !BATCH_RULES.includes(e.rule));
  const expected = all
    .map((id) => {
      const failed = rowRules.filter((e) => fails.get(e)!.includes(id));
      const kept = batchDrops.length === 0 && failed.every((e) => e.severity === 'warn');
      return kept
        ? undefined
        : {
            _row_id: id,
            _raw: rawOf.get(id),
            rules: [...batchDrops, ...failed].map((e) => e.name),
            messages: [...batchDrops.map((e) => r.outcomes[expectations.indexOf(e)]!.message), ...failed.map((e) => messages.get(e)!.get(id))],
          };
    })
    .filter((x) => x !== undefined);
  const got = await rowsOf(conn, `SELECT _row_id, _raw, rules, messages FROM ${r.failuresView} ORDER BY _row_id`);
  expect(got.map((x) => ({ ...x, _row_id: Number(x._row_id) }))).toEqual(expected);
  expect(r.dropped).toBe(expected.length);
  expect(r.passed + r.dropped).toBe(all.length);
  const dropped = new Set(expected.map((x) => x._row_id));
  expect(await ids(`SELECT _row_id FROM ${r.passedView} ORDER BY _row_id`)).toEqual(all.filter((id) => !dropped.has(id)));
  return { failing: new Set([...fails.values()].flat()).size, dropped: r.dropped };
}

const SEVERITIES: Severity[] = ['warn', 'drop', 'fail'];
const rotated = (es: Expectation[], shift: number): Expectation[] => es.map((e, i) => ({ ...e, severity: SEVERITIES[(i + shift) % 3]! }) as Expectation);

describe('one pass equals rule by rule: the bad-input corpus', () => {
  it.each(CORPUS)('$file', async ({ file, format }) => {
    const { batch } = await corpusBatch(conn, file, format, `c${++n}`);
    const s = { batch, now: CORPUS_NOW };
    await expectSameAsNaive(CORPUS_SUITE, s);
    for (const shift of [0, 1, 2]) await expectSameAsNaive(rotated(CORPUS_SUITE, shift), s);
  });
});

describe('one pass equals rule by rule: rows failing every rule at once', () => {
  const COLUMNS = { id: 'VARCHAR', note: 'VARCHAR', extra: 'DOUBLE', amount: 'DOUBLE', ts: 'TIMESTAMPTZ', currency: 'VARCHAR', code: 'VARCHAR', customer_id: 'VARCHAR', bid: 'DOUBLE', ask: 'DOUBLE' };
  const ts = (h: number): string => `2024-03-01 ${String(h).padStart(2, '0')}:00:00+00`;
  const clean: Row = { id: 't1', note: 'n', extra: 1, amount: 10, ts: ts(5), currency: 'USD', code: 'ABC', customer_id: 'C1', bid: 1, ask: 2 };
  // fails every row rule but the unique ones (first of its key) ...
  const worst: Row = { id: '  ', note: null, extra: null, amount: 500, ts: ts(1), currency: 'XXX', code: 'ab1', customer_id: 'C9', bid: 5, ask: 1 };
  const ROWS: Row[] = [
    clean,
    worst,
    worst, // ... and again: now every row rule, the unique ones too
    { id: null, note: null, extra: null, amount: null, ts: null, currency: null, code: null, customer_id: null, bid: null, ask: null },
    { ...clean, id: 't5' }, // already stored
    { ...clean }, // a later copy of t1
    { ...clean, id: '', amount: -1, customer_id: 'C2' },
    { ...clean, id: '\t', currency: 'EUR', customer_id: 'C2', code: 'EUR', bid: 2, ask: 2, ts: ts(1) }, // a tab is not a space: only ts_after fails
    { ...clean, id: 't9', code: 'abc', bid: 3 },
    { ...clean, id: ' t10', currency: 'EUR', amount: 1000 }, // a leading space is not empty: only amount_range fails
  ];
  const suite: Expectation[] = [
    { name: 'note_present', rule: 'not_null', column: 'note', severity: 'drop' },
    { name: 'id_present', rule: 'not_null', column: 'id', severity: 'drop', treatEmptyAsNull: true },
    { name: 'extra_present', rule: 'not_null', column: 'extra', severity: 'warn', treatEmptyAsNull: true }, // a number: NULL only
    { name: 'id_unique', rule: 'unique', columns: ['id'], severity: 'drop' },
    { name: 'pair_unique', rule: 'unique', columns: ['customer_id', 'currency'], severity: 'warn' },
    { name: 'amount_range', rule: 'between', column: 'amount', min: 0, max: 100, severity: 'drop' },
    { name: 'ts_after', rule: 'between', column: 'ts', min: '2024-03-01T02:00:00Z', severity: 'warn' },
    { name: 'currency_known', rule: 'in_set', column: 'currency', values: ['USD', 'EUR'], severity: 'fail' },
    { name: 'code_shape', rule: 'match_regex', column: 'code', pattern: '^[A-Z]{3}$', severity: 'warn' },
    { name: 'customer_exists', rule: 'foreign_key', column: 'customer_id', reference: 'silver.customers', referenceColumn: 'customer_id', severity: 'drop' },
    { name: 'bid_le_ask', rule: 'column_pair', left: 'bid', op: '<=', right: 'ask', severity: 'warn' },
    { name: 'code_short', rule: 'sql', expression: 'length(code) < 3 OR code = upper(code)', severity: 'drop' },
    { name: 'enough_rows', rule: 'row_count_between', min: 100, severity: 'warn' },
    { name: 'fresh', rule: 'freshness', column: 'ts', maxAgeHours: 1, severity: 'warn' },
  ];
  const setting: Setting = { batch: 'every_rule', now: new Date('2024-03-01T20:00:00Z'), existingView: 'stored', referenceViews: { 'silver.customers': 'customers' } };

  beforeAll(async () => {
    await batchTable(conn, 'every_rule', COLUMNS, ROWS);
    await conn.run(`CREATE TEMP TABLE customers AS SELECT unnest(['C1', 'C2', NULL]) AS customer_id`);
    await conn.run(`CREATE TEMP TABLE stored AS SELECT unnest(['t5', NULL]) AS id, 'C7' AS customer_id, 'GBP' AS currency`);
  });

  it('the fixture: every rule fails somewhere, and row 3 fails every row rule', async () => {
    const run = (severity: Severity) =>
      evaluate({
        conn,
        suite: { dataset: 'd', expectations: suite.map((e) => ({ ...e, severity }) as Expectation) },
        batchView: setting.batch,
        now: setting.now,
        existingView: setting.existingView,
        referenceViews: setting.referenceViews,
        viewPrefix: `p${++n}`,
      });
    const warned = await run('warn');
    for (const o of warned.outcomes) expect(o.outcome, o.expectation).toBe('warned');
    const dropped = await run('drop');
    const rowRules = suite.filter((e) => !BATCH_RULES.includes(e.rule)).map((e) => e.name);
    const [row3] = await rowsOf(conn, `SELECT rules FROM ${dropped.failuresView} WHERE _row_id = 3`);
    expect(row3!.rules).toEqual(['enough_rows', 'fresh', ...rowRules]);
  });

  it('as declared (mixed severities)', async () => {
    expect(await expectSameAsNaive(suite, setting)).toMatchObject({ failing: ROWS.length - 1 });
  });

  it.each(SEVERITIES)('every rule at %s', async (severity) => {
    await expectSameAsNaive(
      suite.map((e) => ({ ...e, severity }) as Expectation),
      setting,
    );
  });

  it('rotated severities, without stored rows', async () => {
    for (const shift of [1, 2]) await expectSameAsNaive(rotated(suite, shift), { ...setting, existingView: undefined });
  });

  it('a batch-level drop: every row leaves, carrying the batch rule first and its own row rules', async () => {
    const r = await expectSameAsNaive(
      suite.map((e) => (e.rule === 'freshness' ? { ...e, severity: 'drop' } : e)),
      setting,
    );
    expect(r.dropped).toBe(ROWS.length);
  });
});
