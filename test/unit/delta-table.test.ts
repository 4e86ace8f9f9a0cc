/**
 * DeltaTable on local disk: write modes, schema enforcement and evolution, idempotent txns,
 * conflicts between racing transactions, pruning and skipping.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import {
  commit,
  ConcurrentModificationError,
  DeltaTable,
  MissingFileError,
  SchemaMismatchError,
  TableExistsError,
  Warehouse,
  type TableDefinition,
} from '../../lakehouse';
import { localTableStore, tempDir } from '../helpers/lakehouse';
import { useTestEngine } from '../helpers/engine';

const lake = useTestEngine();

const def: TableDefinition = {
  fields: [
    { name: 'id', type: 'long', nullable: false },
    { name: 'date', type: 'date' },
    { name: 'region', type: 'string' },
    { name: 'amount', type: 'decimal(18,2)' },
    { name: 'ts', type: 'timestamp' },
  ],
  partitionColumns: ['date'],
  description: 'test transactions',
};

/** n rows for one date, ids from `from`. */
const rows = (date: string, from: number, n: number, region = "CASE WHEN range % 2 = 0 THEN 'US' ELSE 'EU' END") =>
  `SELECT (range + ${from})::BIGINT AS id, DATE '${date}' AS date, ${region} AS region, (range * 1.5)::DECIMAL(18,2) AS amount, TIMESTAMPTZ '${date} 00:00:00+00' + to_seconds(range) AS ts FROM range(${n})`;

async function newTable(d: TableDefinition = def): Promise<DeltaTable> {
  return DeltaTable.create(await localTableStore(), lake.engine, d, 'silver.tx');
}

describe('writes', () => {
  it('appends, overwrites and replaces one partition, recording history', async () => {
    const t = await newTable();
    await expect(DeltaTable.create(t.store, lake.engine, def)).rejects.toBeInstanceOf(TableExistsError);
    const r1 = await t.write(rows('2024-01-01', 0, 10));
    expect(r1).toMatchObject({ version: 1, committed: true, metrics: { numAddedFiles: 1, numRemovedFiles: 0, numOutputRows: 10 } });
    await t.write(rows('2024-01-02', 100, 5));
    expect(await t.count()).toBe(15);

    const r3 = await t.write(rows('2024-01-02', 200, 3), { replaceWhere: "date = '2024-01-02'" });
    expect(r3.metrics).toMatchObject({ numAddedFiles: 1, numRemovedFiles: 1, numOutputRows: 3 });
    expect(await t.query<{ id: number }>("SELECT id FROM {{table}} WHERE date = '2024-01-02' ORDER BY id")).toEqual([{ id: 200 }, { id: 201 }, { id: 202 }]);
    expect(await t.count("date = '2024-01-01'")).toBe(10);

    // Rows outside the replaceWhere predicate are refused and nothing is committed or left behind.
    const before = (await t.store.list('')).length;
    await expect(t.write(rows('2024-01-03', 300, 2), { replaceWhere: "date = '2024-01-02'" })).rejects.toThrowError(/written rows must match replaceWhere/);
    expect(await t.version()).toBe(3);
    expect((await t.store.list('')).length).toBe(before);

    const r4 = await t.write(rows('2024-02-01', 0, 4), { mode: 'overwrite' });
    expect(r4.metrics.numRemovedFiles).toBe(2);
    expect(await t.count()).toBe(4);
    expect(await t.query('SELECT count(*) AS n FROM {{table}}', { version: 3 })).toEqual([{ n: 13 }]);

    const h = await t.history();
    expect(h.map((e) => e.version)).toEqual([4, 3, 2, 1, 0]);
    expect(h[0]).toMatchObject({ operation: 'WRITE', operationParameters: { mode: 'Overwrite' }, readVersion: 3, engineInfo: expect.stringMatching(/^financelake\//) });
    expect(h[1].operationParameters).toMatchObject({ predicate: JSON.stringify(["date = '2024-01-02'"]) });
    expect(h[4].operation).toBe('CREATE TABLE');
    expect(await t.history(2)).toHaveLength(2);
    expect(await t.definition()).toMatchObject({ partitionColumns: ['date'], description: 'test transactions' });
  });

  it('returns typed JS values and time-travels by timestamp', async () => {
    const t = await newTable();
    await t.write(rows('2024-03-01', 7, 1));
    const [r] = await t.query('SELECT * FROM {{table}}');
    expect(r).toEqual({ id: 7, date: '2024-03-01', region: 'US', amount: 0, ts: '2024-03-01T00:00:00.000Z' });
    const v1 = (await t.history(1))[0].timestamp;
    await new Promise((res) => setTimeout(res, 5));
    await t.write(rows('2024-03-02', 8, 2));
    expect((await t.snapshot({ timestamp: new Date(v1) })).version).toBe(1);
    expect(await t.query('SELECT count(*) AS n FROM {{table}}', { version: 1 })).toEqual([{ n: 1 }]);
  });

  it('replaceWhere on a data column rewrites only the files holding matching rows', async () => {
    const t = await newTable();
    await t.write(rows('2024-01-01', 0, 6));
    await t.write(rows('2024-01-02', 10, 6));
    const r = await t.write(`SELECT 99::BIGINT AS id, DATE '2024-01-01' AS date, 'US' AS region, 1.00::DECIMAL(18,2) AS amount, NULL::TIMESTAMPTZ AS ts`, {
      replaceWhere: "date = '2024-01-01' AND region = 'US'",
    });
    expect(r.metrics.numRemovedFiles).toBe(1); // only the 2024-01-01 file
    const got = await t.query<{ id: number }>("SELECT id FROM {{table}} WHERE date = '2024-01-01' ORDER BY id");
    expect(got.map((x) => x.id)).toEqual([1, 3, 5, 99]);
    expect(await t.count("date = '2024-01-02'")).toBe(6);
  });

  it('deletes by partition predicate (whole files) and by data predicate (rewrites)', async () => {
    const t = await newTable();
    await t.write(rows('2024-01-01', 0, 10));
    await t.write(rows('2024-01-02', 100, 10));
    const d1 = await t.delete("date = '2024-01-02'");
    expect(d1.metrics).toMatchObject({ numRemovedFiles: 1, numAddedFiles: 0, numDeletedRows: 10 });
    const d2 = await t.delete('id >= 5 OR region IS NULL');
    expect(d2.metrics).toMatchObject({ numRemovedFiles: 1, numAddedFiles: 1, numDeletedRows: 5 });
    expect((await t.query<{ id: number }>('SELECT id FROM {{table}} ORDER BY id')).map((r) => r.id)).toEqual([0, 1, 2, 3, 4]);
    // Nothing matches: no file is touched.
    const d3 = await t.delete('id > 1000');
    expect(d3.metrics).toMatchObject({ numRemovedFiles: 0, numAddedFiles: 0, numDeletedRows: 0 });
  });
});

describe('schema', () => {
  it('refuses a column of the wrong type, naming the column and both types; nothing is written', async () => {
    const t = await newTable();
    const files = (await t.store.list('')).length;
    const err = await t.write(`SELECT 1::BIGINT AS id, DATE '2024-01-01' AS date, 'US' AS region, 'x' AS amount, NULL::TIMESTAMPTZ AS ts`).catch((e) => e);
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect(err.message).toBe('table silver.tx: schema mismatch: column amount is decimal(18,2) in the table but string in the written data');
    await expect(t.write(`SELECT 1::BIGINT AS id, DATE '2024-01-01' AS date, 5 AS extra`)).rejects.toThrowError(/column extra \(integer\) is not in the table schema/);
    await expect(t.write(`SELECT DATE '2024-01-01' AS date`)).rejects.toThrowError(/column id \(long\) is missing from the written data/);
    await expect(t.write(`SELECT NULL::BIGINT AS id, DATE '2024-01-01' AS date`)).rejects.toThrowError(/column id is not nullable/);
    expect((await t.store.list('')).length).toBe(files);
    expect(await t.version()).toBe(0);
    // Safe widening (INTEGER into long, naive TIMESTAMP into timestamp as UTC) is accepted.
    await t.write(`SELECT 1::INTEGER AS id, DATE '2024-01-01' AS date, TIMESTAMP '2024-01-01 10:00:00' AS ts`);
    expect(await t.query('SELECT id, region, ts FROM {{table}}')).toEqual([{ id: 1, region: null, ts: '2024-01-01T10:00:00.000Z' }]);
  });

  it('adds new nullable columns with mergeSchema; old files read them as NULL', async () => {
    const t = await newTable();
    await t.write(rows('2024-01-01', 0, 2));
    const r = await t.write(`SELECT 5::BIGINT AS id, DATE '2024-01-02' AS date, 'fx' AS channel, 2.5::DOUBLE AS rate`, { mergeSchema: true });
    expect(r.committed).toBe(true);
    const d = await t.definition();
    expect(d.fields.slice(-2)).toEqual([
      { name: 'channel', type: 'string', nullable: true },
      { name: 'rate', type: 'double', nullable: true },
    ]);
    expect(await t.query('SELECT id, channel, rate FROM {{table}} ORDER BY id')).toEqual([
      { id: 0, channel: null, rate: null },
      { id: 1, channel: null, rate: null },
      { id: 5, channel: 'fx', rate: 2.5 },
    ]);
    expect(await t.query('SELECT count(*) AS n FROM {{table}}', { version: 1 })).toEqual([{ n: 2 }]);
  });
});

describe('transactions', () => {
  it('commits a txn (appId, version) once: a retry commits nothing', async () => {
    const t = await newTable();
    const a = await t.write(rows('2024-01-01', 0, 3), { txn: { appId: 'kafka-batch', version: 41 } });
    expect(a.committed).toBe(true);
    expect(await t.txnVersion('kafka-batch')).toBe(41);
    const files = (await t.store.list('')).length;
    const again = await t.write(rows('2024-01-01', 0, 3), { txn: { appId: 'kafka-batch', version: 41 } });
    expect(again).toMatchObject({ committed: false, version: 1, metrics: { numAddedFiles: 0 } });
    const older = await t.delete("date = '2024-01-01'", { txn: { appId: 'kafka-batch', version: 40 } });
    expect(older.committed).toBe(false);
    expect((await t.store.list('')).length).toBe(files);
    expect(await t.count()).toBe(3);
    expect((await t.write(rows('2024-01-01', 3, 1), { txn: { appId: 'kafka-batch', version: 42 } })).version).toBe(2);
  });

  it('racing blind appends all commit, at contiguous versions', async () => {
    const t = await newTable();
    const writers = await Promise.all(Array.from({ length: 4 }, () => DeltaTable.open(t.store, lake.engine)));
    const results = await Promise.all(writers.map((w, i) => w.write(rows('2024-01-01', i * 10, 2))));
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
    expect(await t.count()).toBe(8);
  });

  it('racing replaceWhere on one partition: one wins, the other gets a conflict error', async () => {
    const t = await newTable();
    await t.write(rows('2024-01-01', 0, 4));
    const [a, b] = await Promise.all([DeltaTable.open(t.store, lake.engine, 'silver.tx'), DeltaTable.open(t.store, lake.engine, 'silver.tx')]);
    // Both read version 1 before either commits.
    await a.snapshot();
    await b.snapshot();
    const settled = await Promise.allSettled([
      a.write(rows('2024-01-01', 100, 2), { replaceWhere: "date = '2024-01-01'" }),
      b.write(rows('2024-01-01', 200, 2), { replaceWhere: "date = '2024-01-01'" }),
    ]);
    const won = settled.filter((s) => s.status === 'fulfilled');
    const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(ConcurrentModificationError);
    expect(lost[0].reason.message).toMatch(/table silver\.tx: concurrent modification: version 2 conflicts .*read at version 1/);
    expect(await t.count()).toBe(2);
    expect(await t.version()).toBe(2);
  });

  it('a replaceWhere does not conflict with a concurrent append to another partition', async () => {
    const t = await newTable();
    await t.write(rows('2024-01-01', 0, 4));
    const [a, b] = await Promise.all([DeltaTable.open(t.store, lake.engine, 'silver.tx'), DeltaTable.open(t.store, lake.engine, 'silver.tx')]);
    await b.snapshot();
    await a.write(rows('2024-01-05', 50, 1));
    const r = await b.write(rows('2024-01-01', 100, 2), { replaceWhere: "date = '2024-01-01'" });
    expect(r.version).toBe(3);
    expect(await t.count()).toBe(3);
  });
});

describe('reads', () => {
  it('prunes partitions and skips files on stats', async () => {
    const t = await newTable();
    await t.write(rows('2024-01-01', 0, 100));
    await t.write(rows('2024-01-01', 1000, 100));
    await t.write(rows('2024-01-02', 2000, 100));
    const conn = await lake.engine.connect();
    try {
      expect(await t.registerView(conn, 'v1', { predicate: "date = '2024-01-02'" })).toMatchObject({ filesTotal: 3, filesScanned: 1 });
      expect(await t.registerView(conn, 'v2', { predicate: 'id >= 1050 AND id < 1060' })).toMatchObject({ filesTotal: 3, filesScanned: 1 });
      expect(await lake.engine.all('SELECT count(*) AS n FROM v2', conn)).toEqual([{ n: 10 }]);
      const all = await t.registerView(conn, 'v3');
      expect(all.filesScanned).toBe(3);
      expect(all.bytesScanned).toBe((await t.snapshot()).files.reduce((s, f) => s + f.size, 0));
    } finally {
      conn.closeSync();
    }
    expect(await t.count('id >= 1050 AND id < 1060')).toBe(10);
    const arrow = await t.queryArrow('SELECT id, region FROM {{table}} WHERE id < 3 ORDER BY id');
    expect(arrow.numRows).toBe(3);
    expect([...arrow.getChild('id')!.toArray()]).toEqual([0, 1, 2]);
    expect([...arrow.getChild('region')!]).toEqual(['US', 'EU', 'US']);
  });

  it('attaches partition values by join beyond 64 partitions, and reads partitions with special characters', async () => {
    const t = await DeltaTable.create(await localTableStore(), lake.engine, { fields: [{ name: 'id', type: 'long' }, { name: 'k', type: 'string' }, { name: 'd', type: 'date' }], partitionColumns: ['k', 'd'] });
    await t.write(`SELECT range::BIGINT AS id, 'k ' || (range % 70) || '/:%' AS k, DATE '2024-01-01' + (range % 3)::INT AS d FROM range(700)`);
    await t.write(`SELECT 1000::BIGINT AS id, NULL::VARCHAR AS k, NULL::DATE AS d`);
    expect((await t.snapshot()).files.length).toBeGreaterThan(64);
    const got = await t.query<{ k: string | null; d: string | null; n: number; s: number }>('SELECT k, d, count(*) AS n, sum(id) AS s FROM {{table}} GROUP BY ALL ORDER BY k NULLS FIRST, d');
    const expected = await lake.engine.all(
      `SELECT k, d, count(*) AS n, sum(id) AS s FROM (SELECT range::BIGINT AS id, 'k ' || (range % 70) || '/:%' AS k, DATE '2024-01-01' + (range % 3)::INT AS d FROM range(700) UNION ALL SELECT 1000, NULL, NULL) GROUP BY ALL ORDER BY k NULLS FIRST, d`,
    );
    expect(got).toEqual(expected);
    const cell = (expected as Array<{ k: string; d: string; n: number }>).find((r) => r.k === 'k 7/:%' && r.d === '2024-01-02')!;
    expect(await t.count("k = 'k 7/:%' AND d = '2024-01-02'")).toBe(cell.n);
  });

  it('reports a missing data file with table, version and file', async () => {
    const t = await newTable();
    await t.write(rows('2024-01-01', 0, 3));
    const f = (await t.snapshot()).files[0];
    await fs.rm(t.store.directPath(decodeURIComponent(f.path))!);
    const err = await t.query('SELECT * FROM {{table}}').catch((e) => e);
    expect(err).toBeInstanceOf(MissingFileError);
    expect(err.message).toBe(`table silver.tx: data file missing at version 1: ${decodeURIComponent(f.path)}`);
  });
});

describe('warehouse', () => {
  it('creates, opens and lists tables under <layer>/<name>', async () => {
    const root = await tempDir('wh-');
    const wh = await Warehouse.open(root, { engine: lake.engine });
    expect(await wh.table('silver.none')).toBeUndefined();
    const t = await wh.createTable('silver.transactions', def);
    await wh.createTable('gold.daily', { fields: [{ name: 'd', type: 'date' }] });
    await expect(wh.createTable('silver.transactions', def)).rejects.toBeInstanceOf(TableExistsError);
    expect((await wh.createTable('silver.transactions', def, { ifNotExists: true })).name).toBe('silver.transactions');
    await t.write(rows('2024-01-01', 0, 2));
    expect(await (await wh.table('silver.transactions'))!.count()).toBe(2);
    expect(await wh.listTables()).toEqual(['gold.daily', 'silver.transactions']);
    expect(t.store.url).toMatch(/silver\/transactions$/);
    expect(() => Warehouse.location('no-dots')).toThrowError(/expected '<layer>\.<name>'/);
  });
});


describe('commit', () => {
  it('recognises its own commit when a put-if-absent reply was lost, instead of committing twice', async () => {
    const store = await localTableStore();
    await DeltaTable.create(store, lake.engine, { fields: [{ name: 'id', type: 'long' }] });
    // A store whose first putIfAbsent lands but reports "already exists", as after a lost reply and a retry.
    let first = true;
    const flaky = new Proxy(store, {
      get: (t, k) =>
        k === 'putIfAbsent'
          ? async (key: string, body: string) => {
              const ok = await t.putIfAbsent(key, body);
              if (first && ok && key.includes('_delta_log/')) {
                first = false;
                return false;
              }
              return ok;
            }
          : (t as any)[k],
    });
    const r = await commit(flaky, 0, [{ commitInfo: { timestamp: 1, operation: 'WRITE' } }, { add: { path: 'a.parquet', partitionValues: {}, size: 1, modificationTime: 1, dataChange: true } }]);
    expect(r).toMatchObject({ version: 1, committed: true });
    expect((await store.list('_delta_log/')).map((o) => o.key)).toEqual(['_delta_log/00000000000000000000.json', '_delta_log/00000000000000000001.json']);
  });
});
