/**
 * Engine pieces: DuckDB values to JS, COPY stats to Delta stats, the bounded file cache.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCache, openStore } from '../../lakehouse';
import { fileStats } from '../../lakehouse/engine/write';
import { tempDir } from '../helpers/lakehouse';
import { useTestEngine } from '../helpers/engine';

const lake = useTestEngine();

describe('Engine.all', () => {
  it('returns plain JS values', async () => {
    const [r] = await lake.engine.all(
      `SELECT 42::BIGINT AS big, 9007199254740993::BIGINT AS huge, 12.50::DECIMAL(18,2) AS dec, 12345678901234567.89::DECIMAL(38,2) AS wide,
              DATE '2024-02-29' AS d, TIMESTAMP '2024-01-02 03:04:05.678' AS ts, TIMESTAMPTZ '1969-12-31 23:59:59.9995+00' AS tz,
              NULL AS n, 'x' AS s, [1, 2] AS l, {'a': 1} AS st`,
    );
    expect(r).toEqual({ big: 42, huge: '9007199254740993', dec: 12.5, wide: '12345678901234567.89', d: '2024-02-29', ts: '2024-01-02T03:04:05.678Z', tz: '1969-12-31T23:59:59.999Z', n: null, s: 'x', l: [1, 2], st: { a: 1 } });
  });

  it('runs on the connection it is given (temp views are per connection)', async () => {
    const a = await lake.engine.connect();
    const b = await lake.engine.connect();
    try {
      await lake.engine.run('CREATE TEMP VIEW v AS SELECT 1 AS x', a);
      expect(await lake.engine.all('SELECT x FROM v', a)).toEqual([{ x: 1 }]);
      await expect(lake.engine.all('SELECT x FROM v', b)).rejects.toThrowError(/v/);
    } finally {
      a.closeSync();
      b.closeSync();
    }
  });
});

describe('stats from COPY ... RETURN_STATS', () => {
  const types = new Map<string, any>([
    ['id', 'long'],
    ['amt', 'decimal(18,2)'],
    ['big', 'decimal(38,2)'],
    ['ts', 'timestamp'],
    ['s', 'string'],
    ['b', 'binary'],
    ['p', 'date'],
  ]);
  it('types min/max per column, keeps bounds true, leaves out what it cannot represent', () => {
    const s = fileStats(
      3,
      {
        '"id"': { min: '1', max: '9', null_count: '0' },
        '"amt"': { min: '-1.50', max: '20.25', null_count: '1' },
        '"big"': { min: '12345678901234567.89', max: '99999999999999999.99', null_count: '0' },
        '"ts"': { min: '2024-01-01 10:00:00.123456+00', max: '2024-01-01 10:00:00.123456+00', null_count: '0' },
        '"s"': { min: 'a', max: 'z'.repeat(100), null_count: '0' },
        '"b"': { min: 'x', max: 'y', null_count: '0' },
        '"p"': { min: '2024-01-01', max: '2024-01-01', null_count: '0' },
      },
      types,
      new Set(['p']),
    );
    expect(s.numRecords).toBe(3);
    expect(s.minValues).toEqual({ id: 1, amt: -1.5, ts: '2024-01-01T10:00:00.123Z' });
    // max rounded up past the sub-millisecond digits, so it stays an upper bound
    expect(s.maxValues).toEqual({ id: 9, amt: 20.25, ts: '2024-01-01T10:00:00.124Z' });
    expect(s.nullCount).toEqual({ id: 0, amt: 1, big: 0, ts: 0, s: 0, b: 0 });
  });
});

describe('FileCache', () => {
  it('downloads once, serves hits, evicts least recently used beyond the limit', async () => {
    const src = openStore(await tempDir('src-'));
    const dir = await tempDir('cache-');
    for (const k of ['a', 'b', 'c']) await src.put(`${k}.parquet`, Buffer.alloc(1000, k));
    const cache = new FileCache(dir, 2500, 0);
    const pa = await cache.localPath(src, 'a.parquet', 1000);
    expect(await fs.readFile(pa, 'utf8')).toBe('a'.repeat(1000));
    await new Promise((r) => setTimeout(r, 20));
    await cache.localPath(src, 'b.parquet', 1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(await cache.localPath(src, 'a.parquet', 1000)).toBe(pa); // hit: a is now the most recent
    await new Promise((r) => setTimeout(r, 20));
    const [p1, p2] = await Promise.all([cache.localPath(src, 'c.parquet', 1000), cache.localPath(src, 'c.parquet', 1000)]);
    expect(p1).toBe(p2);
    const left = (await fs.readdir(dir)).sort();
    expect(left).toHaveLength(2);
    expect(left).toContain(path.basename(pa));
    expect(left).toContain(path.basename(p1));
    expect(await cache.totalBytes()).toBeLessThanOrEqual(2500);
  });
});
