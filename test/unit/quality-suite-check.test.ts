/** A malformed suite is refused at startup, naming dataset, expectation and problem. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../lakehouse';
import { datasets } from '../../pipeline';
import { checkSuite, type Expectation, SuiteError, verifySuite } from '../../quality';
import { newConnection } from './quality-batch';

const COLUMNS = [
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'decimal(18,2)' },
  { name: 'ts', type: 'timestamp' },
  { name: 'day', type: 'date' },
  { name: 'bid', type: 'double' },
  { name: 'ask', type: 'double' },
  { name: 'customer_id', type: 'string' },
];
const REFS = { 'silver.customers': [{ name: 'customer_id' }, { name: 'segment' }] };

let engine: Engine;
let conn: DuckDBConnection;
beforeAll(async () => {
  ({ engine, conn } = await newConnection());
});
afterAll(async () => {
  conn?.closeSync();
  await engine?.close();
});

const suiteOf = (e: unknown) => ({ dataset: 'transactions', expectations: [e as Expectation] });

describe('checkSuite / verifySuite refuse', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an unknown rule', { name: 'r1', rule: 'is_positive', column: 'amount', severity: 'drop' }, /unknown rule "is_positive"/],
    ['an unknown severity', { name: 'r1', rule: 'not_null', column: 'id', severity: 'error' }, /unknown severity "error"/],
    ['a missing column', { name: 'r1', rule: 'not_null', column: 'amout', severity: 'drop' }, /column 'amout' does not exist/],
    ['a column of another case', { name: 'r1', rule: 'not_null', column: 'ID', severity: 'drop' }, /did you mean 'id'/],
    ['a unique key column that does not exist', { name: 'r1', rule: 'unique', columns: ['id', 'nope'], severity: 'drop' }, /'nope' does not exist/],
    ['an empty unique key', { name: 'r1', rule: 'unique', columns: [], severity: 'drop' }, /non-empty columns/],
    ['a bad JS regex', { name: 'r1', rule: 'match_regex', column: 'id', pattern: '([a-z]', severity: 'warn' }, /not a valid regex/],
    ['a foreign key to an unknown reference', { name: 'r1', rule: 'foreign_key', column: 'customer_id', reference: 'silver.clients', referenceColumn: 'customer_id', severity: 'drop' }, /reference 'silver\.clients' is unknown/],
    ['a foreign key to a missing reference column', { name: 'r1', rule: 'foreign_key', column: 'customer_id', reference: 'silver.customers', referenceColumn: 'cust_id', severity: 'drop' }, /'cust_id' does not exist in 'silver.customers'/],
    ['between with min > max', { name: 'r1', rule: 'between', column: 'amount', min: 10, max: 1, severity: 'drop' }, /min 10 is greater than max 1/],
    ['between with timestamp min > max across zones', { name: 'r1', rule: 'between', column: 'ts', min: '2024-01-01 12:00:00+02', max: '2024-01-01 09:00:00+00', severity: 'drop' }, /greater than max/],
    ['between with date min > max', { name: 'r1', rule: 'between', column: 'day', min: '2024-02-01', max: '2024-01-01', severity: 'drop' }, /greater than max/],
    ['between without bounds', { name: 'r1', rule: 'between', column: 'amount', severity: 'drop' }, /needs min or max/],
    ['a non-numeric bound on a numeric column', { name: 'r1', rule: 'between', column: 'amount', min: 'ten', severity: 'drop' }, /not a number/],
    ['an empty in_set', { name: 'r1', rule: 'in_set', column: 'id', values: [], severity: 'drop' }, /non-empty values/],
    ['row_count_between with min > max', { name: 'r1', rule: 'row_count_between', min: 5, max: 2, severity: 'warn' }, /min 5 is greater than max 2/],
    ['a negative row count', { name: 'r1', rule: 'row_count_between', min: -1, severity: 'warn' }, /non-negative integer/],
    ['freshness on a non-time column', { name: 'r1', rule: 'freshness', column: 'amount', maxAgeHours: 3, severity: 'warn' }, /date or timestamp/],
    ['freshness without a positive age', { name: 'r1', rule: 'freshness', column: 'ts', maxAgeHours: 0, severity: 'warn' }, /positive/],
    ['an unknown pair operator', { name: 'r1', rule: 'column_pair', left: 'bid', op: '=<', right: 'ask', severity: 'warn' }, /unknown operator/],
    ['an empty sql expression', { name: 'r1', rule: 'sql', expression: ' ', severity: 'warn' }, /non-empty expression/],
    ['two statements in sql', { name: 'r1', rule: 'sql', expression: 'true; DROP TABLE x', severity: 'warn' }, /single expression/],
    ['an expectation without a name', { rule: 'not_null', column: 'id', severity: 'warn' }, /has no name/],
  ];
  it.each(cases)('%s (structurally)', (_label, e, problem) => {
    let err: unknown;
    try {
      checkSuite(suiteOf(e), COLUMNS, REFS);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(SuiteError);
    expect((err as Error).message).toMatch(/dataset 'transactions'/);
    if ((e as { name?: string }).name) expect((err as Error).message).toMatch(/expectation 'r1'/);
    expect((err as Error).message).toMatch(problem);
  });

  const duck: [string, unknown, RegExp][] = [
    ['a regex JS accepts but RE2 does not (lookahead)', { name: 'r1', rule: 'match_regex', column: 'id', pattern: '^(?=T)\\w+$', severity: 'warn' }, /RE2.*rejects/],
    ['a backreference', { name: 'r1', rule: 'match_regex', column: 'id', pattern: '(a)\\1', severity: 'warn' }, /RE2/],
    ['sql that does not parse', { name: 'r1', rule: 'sql', expression: 'amount >< 0', severity: 'warn' }, /does not parse or bind/],
    ['sql naming a missing column', { name: 'r1', rule: 'sql', expression: 'amount_eur > 0', severity: 'warn' }, /amount_eur/],
    ['sql that is not boolean', { name: 'r1', rule: 'sql', expression: "'abc'", severity: 'warn' }, /must be boolean \(true = pass\) but is VARCHAR/],
    ['a bound that does not cast', { name: 'r1', rule: 'between', column: 'ts', min: 'yesterday-ish', severity: 'warn' }, /does not cast to TIMESTAMP/],
    ['a set value that does not cast', { name: 'r1', rule: 'in_set', column: 'amount', values: [1, 'two'], severity: 'warn' }, /does not cast to DECIMAL/],
    ['columns that do not compare', { name: 'r1', rule: 'column_pair', left: 'ts', op: '<', right: 'bid', severity: 'warn' }, /do not compare/],
  ];
  it.each(duck)('%s (in DuckDB)', async (_label, e, problem) => {
    expect(() => checkSuite(suiteOf(e), COLUMNS, REFS)).not.toThrow();
    await expect(verifySuite(conn, suiteOf(e), COLUMNS, REFS)).rejects.toThrow(problem);
    await expect(verifySuite(conn, suiteOf(e), COLUMNS, REFS)).rejects.toThrow(/dataset 'transactions', expectation 'r1'/);
  });

  it('duplicate expectation names', () => {
    const e = { name: 'same', rule: 'not_null', column: 'id', severity: 'warn' } as Expectation;
    expect(() => checkSuite({ dataset: 'd', expectations: [e, e] }, COLUMNS)).toThrow(/expectation 'same': duplicate/);
  });
});

describe('valid suites', () => {
  it('a suite using every rule is accepted by both checks', async () => {
    const suite = {
      dataset: 'transactions',
      expectations: [
        { name: 'a', rule: 'not_null', column: 'id', severity: 'drop', treatEmptyAsNull: true },
        { name: 'b', rule: 'unique', columns: ['id'], severity: 'drop' },
        { name: 'c', rule: 'between', column: 'amount', min: 0.01, max: '1000', severity: 'drop' },
        { name: 'd', rule: 'in_set', column: 'id', values: ['x', 1], severity: 'warn' },
        { name: 'e', rule: 'match_regex', column: 'id', pattern: '^T-\\d{6}$', severity: 'warn' },
        { name: 'f', rule: 'foreign_key', column: 'customer_id', reference: 'silver.customers', referenceColumn: 'customer_id', severity: 'drop' },
        { name: 'g', rule: 'row_count_between', min: 1, max: 10, severity: 'fail' },
        { name: 'h', rule: 'freshness', column: 'ts', maxAgeHours: 24, severity: 'warn' },
        { name: 'i', rule: 'column_pair', left: 'bid', op: '<=', right: 'ask', severity: 'warn' },
        { name: 'j', rule: 'sql', expression: "amount > 0 OR id LIKE 'refund%'", severity: 'warn' },
      ] as Expectation[],
    };
    expect(() => checkSuite(suite, COLUMNS, REFS)).not.toThrow();
    await expect(verifySuite(conn, suite, COLUMNS, REFS)).resolves.toBeUndefined();
  });

  it("every dataset declared in pipeline/ has a suite that verifies against its schema", async () => {
    const all = datasets();
    const refs: Record<string, { name: string }[]> = {};
    for (const d of all) refs[`${d.layer === 'gold' ? 'gold' : 'silver'}.${d.name}`] = d.schema;
    const withSuites = all.filter((d) => d.quality);
    expect(withSuites.length).toBeGreaterThan(0);
    for (const d of withSuites) await verifySuite(conn, d.quality!, d.schema, refs);
  });
});

describe('the JSON schema of a suite', () => {
  it('is compiled by checkSuite, so a bad one is refused at startup', () => {
    expect(() => checkSuite({ dataset: 'ticks', jsonSchema: { type: 'object', properties: { price: { type: 'decimal' } } }, expectations: [] }, COLUMNS)).toThrow(
      /dataset 'ticks', expectation 'jsonSchema': does not compile/,
    );
  });
});
