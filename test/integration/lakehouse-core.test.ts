/**
 * The table core on the real object stores: MinIO (DuckDB reads and writes s3:// itself) and
 * HDFS (writes staged locally then uploaded; reads through the engine's bounded cache).
 */
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrentModificationError, DeltaTable, LAST_CHECKPOINT_KEY, MissingFileError, SchemaMismatchError, Warehouse, type Engine, type TableDefinition } from '../../lakehouse';
import { cleanupDirs, tempDir, testEngine } from '../helpers/lakehouse';
import { disposeStores, freshLocation, freshStore, s3Options, type Backend } from '../helpers/stores';

let engine: Engine;
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await tempDir('cache-');
  engine = await testEngine({ s3: s3Options(), cacheDir, cacheMaxBytes: 64 * 1024 * 1024 });
});
afterAll(async () => {
  await engine.close();
  await disposeStores();
  await cleanupDirs();
});

const def: TableDefinition = {
  fields: [
    { name: 'id', type: 'long' },
    { name: 'date', type: 'date' },
    { name: 'amount', type: 'decimal(18,2)' },
  ],
  partitionColumns: ['date'],
  properties: { 'delta.checkpointInterval': '4' },
};
const rows = (date: string, from: number, n: number) => `SELECT (range + ${from})::BIGINT AS id, DATE '${date}' AS date, (range * 0.5)::DECIMAL(18,2) AS amount FROM range(${n})`;

describe.each<Backend>(['s3', 'hdfs'])('tables on %s', (backend) => {
  it('writes, replaces, deletes, time-travels and checkpoints', async () => {
    const store = await freshStore(backend, 'core');
    const t = await DeltaTable.create(store, engine, def, 'silver.core');
    await t.write(rows('2024-01-01', 0, 20));
    await t.write(rows('2024-01-02', 100, 20), { txn: { appId: 'job', version: 1 } });
    expect((await t.write(rows('2024-01-02', 100, 20), { txn: { appId: 'job', version: 1 } })).committed).toBe(false);
    await t.write(rows('2024-01-02', 200, 5), { replaceWhere: "date = '2024-01-02'" });
    const del = await t.delete('id < 10'); // v4: checkpoint interval 4
    expect(del.metrics.numDeletedRows).toBe(10);
    expect(await t.count()).toBe(15);
    expect(JSON.parse(Buffer.from(await store.get(LAST_CHECKPOINT_KEY)).toString()).version).toBe(4);

    const reopened = await DeltaTable.open(store, engine, 'silver.core');
    expect(await reopened.count()).toBe(15);
    expect(await reopened.txnVersion('job')).toBe(1);
    expect(await reopened.query('SELECT date, count(*) AS n, sum(amount) AS s FROM {{table}} GROUP BY date ORDER BY date')).toEqual([
      { date: '2024-01-01', n: 10, s: 72.5 },
      { date: '2024-01-02', n: 5, s: 5 },
    ]);
    expect(await reopened.query('SELECT count(*) AS n FROM {{table}}', { version: 2 })).toEqual([{ n: 40 }]);
    expect(await reopened.count("date = '2024-01-02' AND id >= 203")).toBe(2);

    await expect(t.write(`SELECT 'x' AS id, DATE '2024-01-01' AS date`)).rejects.toBeInstanceOf(SchemaMismatchError);
    await t.write(`SELECT 7::BIGINT AS id, DATE '2024-01-03' AS date, 'new' AS note`, { mergeSchema: true });
    expect(await t.query("SELECT id, note FROM {{table}} WHERE date IN ('2024-01-01', '2024-01-03') ORDER BY id LIMIT 2")).toEqual([
      { id: 7, note: 'new' },
      { id: 10, note: null },
    ]);
    expect((await t.history()).map((h) => h.operation)).toEqual(['WRITE', 'DELETE', 'WRITE', 'WRITE', 'WRITE', 'CREATE TABLE']);
  });

  it('conflicting transactions and a missing data file fail with clear errors', async () => {
    const store = await freshStore(backend, 'conflict');
    const t = await DeltaTable.create(store, engine, def, 'silver.conflict');
    await t.write(rows('2024-01-01', 0, 3));
    const base = await t.version();
    await t.write(rows('2024-01-01', 10, 3), { replaceWhere: "date = '2024-01-01'" });
    const err = await t.write(rows('2024-01-01', 20, 3), { replaceWhere: "date = '2024-01-01'", readVersion: base }).catch((e) => e);
    expect(err).toBeInstanceOf(ConcurrentModificationError);
    expect(err.message).toMatch(/table silver\.conflict: concurrent modification: version 2 conflicts with this transaction \(read at version 1\)/);
    // A blind append based on the same old version does not conflict.
    expect((await t.write(rows('2024-01-05', 30, 1), { readVersion: base })).version).toBe(3);

    const victim = (await t.snapshot()).files.find((f) => f.partitionValues.date === '2024-01-05')!;
    await store.delete(decodeURIComponent(victim.path));
    const missing = await t.query('SELECT * FROM {{table}}').catch((e) => e);
    expect(missing).toBeInstanceOf(MissingFileError);
    expect(missing.message).toContain(`data file missing at version 3: ${decodeURIComponent(victim.path)}`);
  });
});

it('warehouse on MinIO: tables at <layer>/<name>', async () => {
  const { url, options } = await freshLocation('s3', 'wh');
  const wh = await Warehouse.open(url, { engine, s3: options.s3 });
  const t = await wh.createTable('bronze.events', { fields: [{ name: 'n', type: 'integer' }] });
  await t.write('SELECT 1 AS n UNION ALL SELECT 2');
  expect(await wh.listTables()).toEqual(['bronze.events']);
  expect(await (await wh.table('bronze.events'))!.count()).toBe(2);
});

it('HDFS reads go through the cache, only for the files a scan needs', async () => {
  const dir = await tempDir('cache-');
  const own = await testEngine({ cacheDir: dir, cacheMaxBytes: 64 * 1024 * 1024 });
  try {
    const store = await freshStore('hdfs', 'cache');
    const t = await DeltaTable.create(store, own, def, 'silver.cached');
    for (let d = 1; d <= 3; d++) await t.write(rows(`2024-01-0${d}`, d * 100, 50));
    expect(await t.count("date = '2024-01-02' AND id >= 0")).toBe(50);
    expect(await fs.readdir(dir)).toHaveLength(1); // partition pruning: one file fetched
    expect(await t.count('id >= 0')).toBe(150);
    const cached = await fs.readdir(dir);
    expect(cached).toHaveLength(3);
    const sizes = await Promise.all(cached.map(async (n) => (await fs.stat(`${dir}/${n}`)).size));
    expect(sizes.sort()).toEqual((await t.snapshot()).files.map((f) => f.size).sort());
  } finally {
    await own.close();
  }
});
