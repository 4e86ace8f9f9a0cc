/**
 * A DataNode that goes away under a Delta write, against a REAL DataNode stop: a private HDFS
 * (own stack folder and ports, helpers/private-hdfs.ts) whose DataNode this test stops and
 * starts again. The shared stack's DataNode is never touched.
 *
 * Checked: the write fails with a StorageError that is retryable and names the path; the
 * table's _delta_log gains no version and shows no torn or staged file; a commit file
 * published with put-if-absent while the DataNode is down is not there afterwards; once the
 * DataNode is back, the retried write (same txn) commits exactly once, and a second retry is
 * recognised as already applied.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeltaTable, openStore, readLog, StorageError, type Engine, type ObjectStore } from '../../lakehouse';
import { cleanupDirs, tempDir, testEngine } from '../helpers/lakehouse';
import { startPrivateHdfs, type PrivateHdfs } from '../helpers/private-hdfs';

let engine: Engine;
let hdfs: PrivateHdfs;
beforeAll(async () => {
  engine = await testEngine({ cacheDir: await tempDir('hdfs-dn-cache-'), cacheMaxBytes: 16 * 1024 * 1024 });
  hdfs = await startPrivateHdfs('datanode');
  console.log(`[hdfs-datanode] private HDFS up in ${(hdfs.startMs / 1000).toFixed(1)} s`);
}, 120_000);
afterAll(async () => {
  await engine?.close();
  await hdfs?.dispose();
  await cleanupDirs();
});

const logKeys = async (store: ObjectStore) => (await store.list('_delta_log/')).map((o) => o.key);
const rows = (from: number, n: number) => `SELECT (range + ${from})::BIGINT AS id, DATE '2024-05-02' AS date FROM range(${n})`;

it('a stopped DataNode: retryable StorageError naming the path, no new version; after restart the retry commits once', { timeout: 150_000 }, async () => {
  const url = hdfs.url('/warehouse/silver/dn_table');
  // Few, fast retries: the test wants the error the caller (a Temporal activity) would see.
  const store = openStore(url, { hdfs: { ...hdfs.storeOptions.hdfs, retry: { attempts: 2, baseDelayMs: 50 } } });
  const table = await DeltaTable.create(store, engine, { fields: [{ name: 'id', type: 'long' }, { name: 'date', type: 'date' }], partitionColumns: ['date'] }, 'silver.dn_table');
  await table.write(rows(0, 10), { txn: { appId: 'day-2024-05-01', version: 1 } });
  expect(await table.version()).toBe(1);
  const before = await logKeys(store);
  expect(before).toEqual(['_delta_log/00000000000000000000.json', '_delta_log/00000000000000000001.json']);

  const t0 = Date.now();
  await hdfs.stopDataNode();
  const stoppedMs = Date.now() - t0;

  const txn = { appId: 'day-2024-05-02', version: 1 };
  const err = await table.write(rows(100, 10), { txn }).then(() => undefined, (e: unknown) => e);
  expect(err, 'a write without a DataNode must fail').toBeInstanceOf(StorageError);
  const se = err as StorageError;
  expect(se.retryable).toBe(true);
  expect(se.message).toContain('/warehouse/silver/dn_table/');
  expect(se.message).toMatch(/WebHDFS \w+.* failed: .*(DataNode|connection refused|datanode|could only be)/i);
  console.log(`[hdfs-datanode] write with the DataNode stopped: ${se.message}`);

  // No new version, and nothing torn or staged in the log (list() is NameNode-only).
  expect(await logKeys(store)).toEqual(before);
  // The commit step itself: put-if-absent of the next version fails retryably and leaves nothing.
  const commitErr = await store.putIfAbsent('_delta_log/00000000000000000002.json', '{"commitInfo":{}}\n').then(() => undefined, (e: unknown) => e);
  expect(commitErr).toBeInstanceOf(StorageError);
  expect((commitErr as StorageError).retryable).toBe(true);
  expect((commitErr as StorageError).message).toContain('/warehouse/silver/dn_table/_delta_log/00000000000000000002.json');
  expect(await store.head('_delta_log/00000000000000000002.json')).toBeUndefined();
  expect(await logKeys(store)).toEqual(before);

  const t1 = Date.now();
  await hdfs.startDataNode();
  const restartMs = Date.now() - t1;
  console.log(`[hdfs-datanode] DataNode stop ${stoppedMs} ms, restart until registered ${restartMs} ms`);

  // The retry (what the activity's retry policy does): exactly one commit.
  const retried = await table.write(rows(100, 10), { txn });
  expect(retried.committed).toBe(true);
  expect(retried.version).toBe(2);
  const again = await table.write(rows(100, 10), { txn });
  expect(again.committed).toBe(false);
  expect(await logKeys(store)).toEqual([...before, '_delta_log/00000000000000000002.json']);

  // Every commit is whole, and the table holds each row once.
  const log = await readLog(store, { table: table.name });
  expect(log.map((e) => e.version)).toEqual([0, 1, 2]);
  const fresh = await DeltaTable.open(store, engine, 'silver.dn_table');
  expect(await fresh.count()).toBe(20);
  expect(await fresh.txnVersion('day-2024-05-02')).toBe(1);
  expect(await fresh.query('SELECT count(DISTINCT id) AS n, min(id) AS lo, max(id) AS hi FROM {{table}}')).toEqual([{ n: 20, lo: 0, hi: 109 }]);
});
