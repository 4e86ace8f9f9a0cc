/**
 * A worker killed (SIGKILL) in the middle of an optimize, then a new worker: the maintenance
 * workflow on a real Temporal dev server retries the optimize there and the table ends
 * correct. Workers are real `workers/main.ts` processes; the table is on the primary MinIO.
 * "Mid-optimize" is seen from outside: new data files appear in the table's folder while
 * the log has no optimize commit yet.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaTable } from '../../lakehouse';
import { vacuum } from '../../lakehouse/maintenance';
import { maintenance } from '../../workflows';
import { deltaRs } from '../helpers/python';
import { openSites, tradesQuery, TRADES, type Sites } from './backup-helpers';
import { startTestServer } from './workflow-env';

const ROOT = path.resolve(__dirname, '../..');
const TABLE = 'silver.trades';
let env: TestWorkflowEnvironment;
let sites: Sites;
let table: DeltaTable;
const workers: ChildProcess[] = [];
const taskQueue = `maint-kill-${process.pid}`;

/** A real worker process on the test server's queue, serving the warehouse on MinIO. */
function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, FINANCELAKE_WAREHOUSE: sites.primaryUrl, WORKER_MAX_CONCURRENT_ACTIVITIES: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  workers.push(child);
  return child;
}

const exited = (c: ChildProcess): Promise<NodeJS.Signals | null> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve(c.signalCode) : new Promise((resolve) => c.once('exit', (_code, sig) => resolve(sig)));

async function dataKeys(): Promise<string[]> {
  return (await sites.primary.list('silver/trades/')).map((o) => o.key.slice('silver/trades/'.length)).filter((k) => !k.startsWith('_delta_log/'));
}

beforeAll(async () => {
  sites = await openSites('maint-kill');
  table = await sites.warehouse.createTable(TABLE, TRADES);
  // 25 appends over two days: 50 small files, 2,500 rows
  for (let k = 0; k < 25; k++) await table.write(tradesQuery(k * 100, (k + 1) * 100));
  env = await startTestServer();
}, 180_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await env?.teardown();
  await sites?.dispose();
});

describe('a worker killed in the middle of an optimize', () => {
  it('the optimize is retried on a new worker: one optimize commit, every row once, delta-rs reads it, the killed run’s files unreferenced', async () => {
    const before = await deltaRs<{ version: number; rows: Array<{ id: number; day: string; amount: number }> }>('read', `${sites.primaryUrl}/silver/trades`);
    expect(before.rows).toHaveLength(2500);
    const filesBefore = new Set(await dataKeys());
    expect(filesBefore.size).toBe(50);

    const first = startWorker();
    // A small target makes several bins a day: the optimize writes for a while before it commits.
    const handle = await env.client.workflow.start(maintenance, {
      taskQueue,
      workflowId: `test/maintenance-kill/${Date.now()}`,
      args: [{ tables: [TABLE], targetFileSize: 8 * 1024, heartbeatTimeout: '3 seconds' }],
    });

    // Mid-optimize: new data files in the folder, no optimize commit in the log yet. Then kill -9.
    let orphans: string[] = [];
    const deadline = Date.now() + 60_000;
    while (orphans.length === 0) {
      if (Date.now() > deadline) throw new Error('the optimize never started writing');
      if (first.exitCode !== null) throw new Error(`the worker exited early (${first.exitCode})`);
      orphans = (await dataKeys()).filter((k) => !filesBefore.has(k));
      if (orphans.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    first.kill('SIGKILL');
    expect(await exited(first)).toBe('SIGKILL');
    expect(await table.version()).toBe(before.version); // killed before its commit
    orphans = (await dataKeys()).filter((k) => !filesBefore.has(k)); // what the killed attempt left, complete

    startWorker();
    const result = await handle.result();
    expect(result.failed).toEqual([]);
    const t = result.tables[0];
    expect(t.optimize).toMatchObject({ filesBefore: 50, conflicts: 0 });
    expect(t.optimize!.filesAfter).toBeLessThan(50);

    // The optimize activity ran twice: the killed attempt and the one that finished.
    const history = await handle.fetchHistory();
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'optimizeTable')!;
    const completed = history.events!.find((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId!.toString())!;
    const started = history.events!.find((e) => e.eventId!.toString() === completed.activityTaskCompletedEventAttributes!.startedEventId!.toString())!;
    expect(started.activityTaskStartedEventAttributes!.attempt).toBe(2);

    // Exactly one optimize commit after the appends, all of it dataChange=false.
    const after = await deltaRs<{ version: number; rows: Array<{ id: number; day: string; amount: number }>; history: Array<{ version: number; operation: string }> }>('read', `${sites.primaryUrl}/silver/trades`);
    const optimizes = after.history.filter((h) => h.operation === 'OPTIMIZE');
    expect(optimizes).toHaveLength(1);
    const commit = JSON.parse(`[${Buffer.from(await sites.primary.get(`silver/trades/_delta_log/${String(optimizes[0].version).padStart(20, '0')}.json`)).toString('utf8').trim().split('\n').join(',')}]`) as Array<Record<string, { dataChange?: boolean }>>;
    const changes = commit.filter((a) => a.add || a.remove);
    expect(changes.length).toBe(50 + t.optimize!.filesAfter);
    expect(changes.every((a) => (a.add ?? a.remove).dataChange === false)).toBe(true);

    // Every row once, the same content, as delta-rs reads it.
    const key = (r: { id: number }) => r.id;
    const sorted = <T extends { id: number }>(rows: T[]) => [...rows].sort((a, b) => key(a) - key(b));
    expect(sorted(after.rows)).toEqual(sorted(before.rows));
    expect(new Set(after.rows.map(key)).size).toBe(2500);

    // The killed attempt's files are referenced by no version; vacuum (retention forced to 0) would remove them.
    const live = new Set((await table.snapshot()).files.map((f) => decodeURIComponent(f.path)));
    expect(orphans.filter((k) => live.has(k))).toEqual([]);
    const dry = await vacuum(table, { retentionHours: 0, force: true, dryRun: true });
    const doomed = new Set(dry.files.map((f) => f.key));
    expect(orphans.filter((k) => !doomed.has(k))).toEqual([]);
  }, 120_000);
});
