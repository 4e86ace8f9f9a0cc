/**
 * The daily pipeline for one generated day with the warehouse on HDFS gives the same gold tables
 * as with the warehouse on local disk. One landing zone (local disk) feeds both runs; every task
 * of the DAG (pipeline/ tasks(), in an order that respects `reads`) runs through runTask. The
 * HDFS side opens its warehouse the way a worker does: config (FINANCELAKE_WAREHOUSE =
 * hdfs://127.0.0.1:<NameNode RPC port>/...) -> activities/context.ts sharedContext().
 * Gold tables are compared row by row, ordered, exactly; the local result itself is checked
 * against the generator by pipeline-local and the e2e pipeline test.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { closeSharedContext, sharedContext, useConfig } from '../../activities/context';
import { Warehouse, type Engine } from '../../lakehouse';
import { generate, runTask, tasks, type TaskContext, type TaskResult } from '../../pipeline';
import { cleanupDirs, tempDir, testEngine } from '../helpers/lakehouse';
import { disposeStores, freshLocation } from '../helpers/stores';

const DATE = '2024-07-01';
const GEN = { days: 1, startDate: DATE, transactionsPerDay: 300, ticksPerDay: 120, defectRate: 0.05, seed: 901 };

/** Task ids in an order where every task comes after the tasks it reads. */
function dagOrder(): string[] {
  const all = tasks();
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < all.length) {
    const ready = all.filter((t) => !done.has(t.id) && t.reads.every((r) => done.has(r)));
    if (ready.length === 0) throw new Error(`cycle or unknown read among ${all.filter((t) => !done.has(t.id)).map((t) => t.id).join(', ')}`);
    for (const t of ready) {
      done.add(t.id);
      order.push(t.id);
    }
  }
  return order;
}

let localEngine: Engine;
let local: TaskContext;
let onHdfs: TaskContext;
const results: Record<'local' | 'hdfs', TaskResult[]> = { local: [], hdfs: [] };
const seconds: Record<'local' | 'hdfs', number> = { local: 0, hdfs: 0 };

async function runDay(which: 'local' | 'hdfs', ctx: TaskContext): Promise<void> {
  const t0 = Date.now();
  for (const taskId of dagOrder()) results[which].push(await runTask(ctx, { taskId, date: DATE, runId: `hdfs-compare-${which}` }));
  seconds[which] = (Date.now() - t0) / 1000;
}

beforeAll(async () => {
  const root = await tempDir('pipeline-hdfs-');
  const landing = path.join(root, 'landing');
  await generate({ ...GEN, landing });

  localEngine = await testEngine();
  local = { warehouse: await Warehouse.open(path.join(root, 'warehouse'), { engine: localEngine }), engine: localEngine, landing, heartbeat: () => undefined };

  const { url } = await freshLocation('hdfs', 'warehouse');
  const config = loadConfig({ ...process.env, FINANCELAKE_WAREHOUSE: url, FINANCELAKE_LANDING: landing });
  expect(config.warehouse).toBe(url);
  expect(url).toMatch(new RegExp(`^hdfs://127\\.0\\.0\\.1:${config.ports.hdfsNameNodeRpc}/`));
  useConfig(config);
  const shared = await sharedContext();
  onHdfs = { warehouse: shared.warehouse, engine: shared.engine, landing, heartbeat: () => undefined };

  await runDay('local', local);
  await runDay('hdfs', onHdfs);
  console.log(`[pipeline-hdfs] ${results.local.length} tasks: local ${seconds.local.toFixed(1)} s, HDFS ${seconds.hdfs.toFixed(1)} s`);
}, 290_000);

afterAll(async () => {
  await localEngine?.close();
  await closeSharedContext();
  await disposeStores();
  await cleanupDirs();
});

describe('one day on HDFS vs local disk', () => {
  it('runs every task of the DAG on both, with the same counts', () => {
    expect(results.hdfs.map((r) => r.taskId)).toEqual(dagOrder());
    const counts = (rs: TaskResult[]) => rs.map((r) => ({ task: r.taskId, rowsIn: r.rowsIn, rowsOut: r.rowsOut, quarantined: r.quarantined, duplicates: r.duplicates, invariantOk: r.invariantOk, committed: r.committed }));
    expect(counts(results.hdfs)).toEqual(counts(results.local));
    expect(results.hdfs.every((r) => r.invariantOk && r.committed)).toBe(true);
    expect(onHdfs.warehouse.url).toMatch(/^hdfs:\/\//);
  });

  it('gives the same gold tables, row for row', async () => {
    const localTables = await local.warehouse.listTables();
    expect(await onHdfs.warehouse.listTables()).toEqual(localTables);
    const gold = localTables.filter((t) => t.startsWith('gold.'));
    expect(gold.length).toBe(tasks().filter((t) => t.layer === 'gold').length);
    for (const name of gold) {
      const read = async (wh: Warehouse) => (await wh.table(name))!.query('SELECT * FROM {{table}} ORDER BY ALL');
      const [want, got] = await Promise.all([read(local.warehouse), read(onHdfs.warehouse)]);
      expect(want.length, `${name} has rows`).toBeGreaterThan(0);
      expect(got, name).toEqual(want);
    }
  });

  it('a re-run of a gold task on HDFS leaves the same rows (replaceWhere of its date)', async () => {
    const name = 'gold.daily_ohlcv';
    const before = await (await onHdfs.warehouse.table(name))!.version();
    const again = await runTask(onHdfs, { taskId: name, date: DATE, runId: 'hdfs-compare-rerun' });
    expect(again.rowsOut).toBe(results.hdfs.find((r) => r.taskId === name)!.rowsOut);
    const t = (await onHdfs.warehouse.table(name))!;
    expect(await t.version()).toBeGreaterThanOrEqual(before);
    const want = await (await local.warehouse.table(name))!.query('SELECT * FROM {{table}} ORDER BY ALL');
    expect(await t.query('SELECT * FROM {{table}} ORDER BY ALL')).toEqual(want);
  });
});
