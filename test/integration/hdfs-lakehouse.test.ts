/**
 * The lakehouse on a real HDFS (WebHDFS), beyond what lakehouse-core already checks there
 * (write, txn, replaceWhere, delete, version time travel, checkpoint at interval 4, conflicts,
 * cache): separate writer PROCESSES racing on one table's _delta_log, a table opened from a
 * checkpoint that other processes wrote, overlapping replaceWhere writers across processes,
 * and time travel by timestamp.
 * The process races run on a private HDFS started by this file (see helpers/private-hdfs.ts):
 * 200 serialised commits load the NameNode, and a private one runs with the stack's current
 * hdfs-site.xml whatever the shared one was started with; the rest uses the shared stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, LAST_CHECKPOINT_KEY, openStore, readLog, type Engine, type ObjectStore } from '../../lakehouse';
import { cleanupDirs, createConcurrentTable, runLakehouseWriter, tempDir, testEngine } from '../helpers/lakehouse';
import { startPrivateHdfs, type PrivateHdfs } from '../helpers/private-hdfs';
import { expectReplaceWhereRace } from '../helpers/races';
import { disposeStores, freshLocation } from '../helpers/stores';

let engine: Engine;
let hdfs: PrivateHdfs | undefined;
// 200 contended commits by 8 tsx processes are CPU-bound on 2 cores: allow for a loaded CI machine.
const runWriter = (args: string[]) => runLakehouseWriter(args, { timeoutMs: 400_000, env: hdfs!.env });
beforeAll(async () => {
  engine = await testEngine({ cacheDir: await tempDir('hdfs-cache-'), cacheMaxBytes: 64 * 1024 * 1024 });
});
afterAll(async () => {
  await engine.close();
  await hdfs?.dispose();
  await disposeStores();
  await cleanupDirs();
});

/** A new table on the shared HDFS, or (on: private) on this file's private HDFS. */
async function newTable(label: string, on: 'shared' | 'private' = 'shared'): Promise<{ url: string; store: ObjectStore; table: DeltaTable }> {
  const { url, options } = on === 'shared' ? await freshLocation('hdfs', label) : { url: hdfs!.url(`/lakehouse/${label}`), options: hdfs!.storeOptions };
  expect(url).toMatch(/^hdfs:\/\/127\.0\.0\.1:\d+\//);
  const store = openStore(url, options);
  const table = await createConcurrentTable(store, engine);
  return { url, store, table };
}

describe('concurrent writer processes on HDFS', () => {
  beforeAll(async () => {
    hdfs = await startPrivateHdfs('lakehouse');
    console.log(`[hdfs] private HDFS up in ${(hdfs.startMs / 1000).toFixed(1)} s`);
  }, 120_000);

  it('8 processes x 25 appends: 200 commits at contiguous versions, every row once, checkpoints readable', { timeout: 420_000 }, async () => {
    const { url, store, table } = await newTable('appends', 'private');
    const WRITERS = 8;
    const EACH = 25;
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: WRITERS }, (_, w) => runWriter(['append', url, String(w + 1), String(EACH)])));
    const seconds = (Date.now() - t0) / 1000;
    console.log(`[hdfs] ${WRITERS} writer processes x ${EACH} appends: ${seconds.toFixed(1)} s (${((WRITERS * EACH) / seconds).toFixed(1)} commits/s)`);

    const versions = results.flat().map((r) => r.version as number);
    expect(versions).toHaveLength(WRITERS * EACH);
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: WRITERS * EACH }, (_, i) => i + 1)); // each version won by exactly one append
    // Each writer's own commits come in increasing versions.
    for (const r of results) expect(r.map((x) => x.version)).toEqual([...r.map((x) => x.version)].sort((a, b) => a - b));

    const log = await readLog(store, { table: 'test.concurrent' });
    expect(log.map((e) => e.version)).toEqual(Array.from({ length: WRITERS * EACH + 1 }, (_, v) => v));
    expect(log.slice(1).every((e) => e.actions.filter((a) => 'add' in a).length === 1)).toBe(true);
    // No staged commit left visible: list() shows only Delta files.
    expect((await store.list('_delta_log/')).filter((o) => !/^_delta_log\/(\d{20}\.(json|checkpoint\.parquet)|_last_checkpoint)$/.test(o.key))).toEqual([]);

    const ids = await table.query<{ id: number }>('SELECT id FROM {{table}} ORDER BY id');
    const expected = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: EACH }, (_, i) => (w + 1) * 1000 + i)).flat().sort((a, b) => a - b);
    expect(ids.map((r) => r.id)).toEqual(expected);

    // Checkpoints written by the racing processes (interval 10): a fresh open starts from the
    // newest one and agrees with the full log.
    const last = JSON.parse(Buffer.from(await store.get(LAST_CHECKPOINT_KEY)).toString()) as { version: number };
    expect(last.version % 10).toBe(0);
    expect(last.version).toBeGreaterThanOrEqual(190);
    const fresh = await DeltaTable.open(openStore(url, hdfs!.storeOptions), engine, 'test.concurrent');
    expect(await fresh.version()).toBe(WRITERS * EACH);
    expect(await fresh.count()).toBe(WRITERS * EACH);
    expect(await fresh.query('SELECT writer, count(*) AS n FROM {{table}} GROUP BY writer ORDER BY writer')).toEqual(
      Array.from({ length: WRITERS }, (_, w) => ({ writer: w + 1, n: EACH })),
    );
  });

  it('overlapping replaceWhere writer processes: one winner per round, the others get a conflict', { timeout: 120_000 }, async () => {
    const { url, table } = await newTable('replace', 'private');
    await expectReplaceWhereRace(table, url, runWriter, 3, 3);
  });
});

it('time travel by timestamp on HDFS, and a replaceWhere read back at every version', async () => {
  const { table } = await newTable('travel');
  const stamps: number[] = [];
  const writes = [
    `SELECT range::BIGINT AS id, DATE '2024-01-01' AS date, 1 AS writer FROM range(5)`,
    `SELECT (range + 10)::BIGINT AS id, DATE '2024-01-02' AS date, 1 AS writer FROM range(5)`,
  ];
  for (const w of writes) {
    await table.write(w);
    stamps.push(Date.now());
    await new Promise((r) => setTimeout(r, 50)); // distinct commit timestamps
  }
  await table.write(`SELECT 99::BIGINT AS id, DATE '2024-01-01' AS date, 2 AS writer`, { replaceWhere: "date = '2024-01-01'" });

  const history = await table.history();
  expect(history.map((h) => [h.version, h.operation])).toEqual([[3, 'WRITE'], [2, 'WRITE'], [1, 'WRITE'], [0, 'CREATE TABLE']]);
  const at = (v: number) => new Date(history.find((h) => h.version === v)!.timestamp).toISOString();
  expect((await table.snapshot({ timestamp: at(1) })).version).toBe(1);
  expect((await table.snapshot({ timestamp: at(2) })).version).toBe(2);
  expect((await table.snapshot({ timestamp: new Date(stamps[1] + 1) })).version).toBe(2);
  expect(await table.query('SELECT count(*) AS n FROM {{table}}', { timestamp: at(1) })).toEqual([{ n: 5 }]);
  expect(await table.query("SELECT date, count(*) AS n FROM {{table}} GROUP BY date ORDER BY date", { timestamp: at(2) })).toEqual([
    { date: '2024-01-01', n: 5 },
    { date: '2024-01-02', n: 5 },
  ]);
  expect(await table.query('SELECT id FROM {{table}} ORDER BY id')).toEqual([{ id: 10 }, { id: 11 }, { id: 12 }, { id: 13 }, { id: 14 }, { id: 99 }]);
  // replaceWhere removed exactly the old partition's files.
  const removed = (await readLog(table.store, { table: table.name })).at(-1)!.actions.filter((a) => 'remove' in a);
  expect(removed).toHaveLength(1);
});
