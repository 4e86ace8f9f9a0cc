import { describe, expect, it } from 'vitest';
import { FilePredicate, parsePredicate, PredicateError, toSql, type Field } from '../../lakehouse';

const fields: Field[] = [
  { name: 'date', type: 'date' },
  { name: 'region', type: 'string' },
  { name: 'amount', type: 'decimal(18,2)' },
  { name: 'id', type: 'long' },
  { name: 'ts', type: 'timestamp' },
];

const file = (pv: Record<string, string | null>, stats?: object) => ({ partitionValues: pv, stats: stats ? JSON.stringify(stats) : undefined });

describe('predicate language', () => {
  it('parses and renders every operator to DuckDB SQL', () => {
    const e = parsePredicate("date = '2024-01-01' AND region IN ('US','EU') AND NOT (amount < 0 OR id IS NULL) AND ts >= TIMESTAMP '2024-01-01 00:00:00' AND region <> 'x''y' AND id IS NOT NULL AND id NOT IN (1, 2)");
    expect(toSql(e)).toBe(
      `((((((("date" = '2024-01-01') AND ("region" IN ('US', 'EU'))) AND (NOT (("amount" < 0) OR ("id" IS NULL)))) AND ("ts" >= TIMESTAMPTZ '2024-01-01 00:00:00')) AND ("region" <> 'x''y')) AND ("id" IS NOT NULL)) AND ("id" NOT IN (1, 2)))`,
    );
  });

  it('rejects malformed input with the position', () => {
    expect(() => parsePredicate("date = ")).toThrowError(PredicateError);
    expect(() => parsePredicate("date = '2024")).toThrowError(/unterminated string/);
    expect(() => parsePredicate('a = NULL')).toThrowError(/use IS NULL/);
    expect(() => new FilePredicate('nope = 1', fields, ['date'])).toThrowError(/unknown column nope/);
  });

  it('prunes on partition values exactly', () => {
    const p = new FilePredicate("date = '2024-01-01' AND region IN ('US','EU')", fields, ['date', 'region']);
    expect(p.onlyPartitionColumns).toBe(true);
    expect(p.matchesPartition(file({ date: '2024-01-01', region: 'US' }))).toBe(true);
    expect(p.matchesPartition(file({ date: '2024-01-01', region: 'APAC' }))).toBe(false);
    expect(p.matchesPartition(file({ date: '2024-01-02', region: 'US' }))).toBe(false);
    expect(p.matchesPartition(file({ date: '2024-01-01', region: null }))).toBe(false);
    const n = new FilePredicate('region IS NULL OR date > DATE \'2024-01-05\'', fields, ['date', 'region']);
    expect(n.matchesPartition(file({ date: '2024-01-01', region: null }))).toBe(true);
    expect(n.matchesPartition(file({ date: '2024-01-06', region: 'US' }))).toBe(true);
    expect(n.matchesPartition(file({ date: '2024-01-05', region: 'US' }))).toBe(false);
    const neg = new FilePredicate("NOT (date = '2024-01-01')", fields, ['date']);
    expect(neg.matchesPartition(file({ date: '2024-01-01' }))).toBe(false);
    expect(neg.matchesPartition(file({ date: '2024-01-02' }))).toBe(true);
    expect(neg.matchesPartition(file({ date: null }))).toBe(false); // NOT NULL is not true
  });

  it('skips files on min/max/nullCount stats', () => {
    const stats = { numRecords: 10, minValues: { id: 100, amount: 5.5, ts: '2024-01-01T00:00:00.000Z' }, maxValues: { id: 200, amount: 99.25, ts: '2024-01-01T10:00:00.000Z' }, nullCount: { id: 0, amount: 0, ts: 0 } };
    const may = (pred: string) => new FilePredicate(pred, fields, ['date']).mayMatch(file({ date: '2024-01-01' }, stats));
    expect(may('id = 150')).toBe(true);
    expect(may('id = 99')).toBe(false);
    expect(may('id > 200')).toBe(false);
    expect(may('id >= 200')).toBe(true);
    expect(may('id < 100')).toBe(false);
    expect(may('id IN (1, 2, 300)')).toBe(false);
    expect(may('id IN (1, 150)')).toBe(true);
    expect(may('id IS NULL')).toBe(false);
    expect(may('amount > 99.25')).toBe(false);
    expect(may('id = 1 OR amount < 6')).toBe(true);
    expect(may("ts > TIMESTAMP '2024-01-01 10:00:00'")).toBe(true); // ms truncation: bound widened
    expect(may("ts > TIMESTAMP '2024-01-01 10:00:01'")).toBe(false);
    expect(may("NOT (id >= 100)")).toBe(false);
    expect(may("date = '2024-01-02' OR id = 150")).toBe(true);
    expect(may("date = '2024-01-02' AND id = 150")).toBe(false);
  });

  it('never excludes a file on unknown or absent stats', () => {
    const p = new FilePredicate('id = 5', fields, ['date']);
    expect(p.mayMatch(file({ date: '2024-01-01' }))).toBe(true);
    expect(p.mayMatch(file({ date: '2024-01-01' }, { numRecords: 3 }))).toBe(true);
    expect(p.mayMatch(file({ date: '2024-01-01' }, { numRecords: 3, minValues: { id: 10 } }))).toBe(false);
    expect(p.mayMatch(file({ date: '2024-01-01' }, { numRecords: 3, maxValues: { id: 1 } }))).toBe(false);
    expect(p.mayMatch({ partitionValues: { date: '2024-01-01' }, stats: '{not json' })).toBe(true);
    expect(p.mayMatch(file({ date: '2024-01-01' }, { numRecords: 3, minValues: { id: 'garbage' }, maxValues: { id: 'garbage' } }))).toBe(true);
    // All nulls: no comparison can be true.
    expect(p.mayMatch(file({ date: '2024-01-01' }, { numRecords: 3, nullCount: { id: 3 } }))).toBe(false);
  });

  it('parses a file\'s stats only when the predicate needs them, once, and still skips on them', () => {
    const stats = JSON.stringify({ numRecords: 10, minValues: { id: 100 }, maxValues: { id: 200 }, nullCount: { id: 0 } });
    let reads = 0;
    const counted = (pv: Record<string, string | null>) => ({
      partitionValues: pv,
      get stats() {
        reads++;
        return stats;
      },
    });
    const byDate = new FilePredicate("date = '2024-01-02'", fields, ['date']);
    expect(byDate.mayMatch(counted({ date: '2024-01-01' }))).toBe(false);
    expect(byDate.mayMatch(counted({ date: '2024-01-02' }))).toBe(true);
    expect(reads).toBe(0); // a partition-only predicate never touches stats
    expect(new FilePredicate("date = '2024-01-01' AND id = 250", fields, ['date']).mayMatch(counted({ date: '2024-01-01' }))).toBe(false);
    expect(reads).toBe(1);
    expect(new FilePredicate('id = 50 OR id = 150 OR id > 300', fields, ['date']).mayMatch(counted({ date: '2024-01-01' }))).toBe(true);
    expect(reads).toBe(2); // three columns references, one parse
    expect(new FilePredicate('id < 100 OR id > 200', fields, ['date']).mayMatch(counted({ date: '2024-01-01' }))).toBe(false);
    // A NULL partition value counts its rows from the stats.
    expect(new FilePredicate('date IS NULL', fields, ['date']).mayMatch(counted({ date: null }))).toBe(true);
    expect(reads).toBe(4);
  });
});
