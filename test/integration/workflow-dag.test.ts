import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { dailyPipeline, replayFailed, backfill, progressQuery, type Progress } from '../../workflows';
import { dayBefore } from '../../workflows/dates';
import { DATASET, PARTITION_DATE, STATUS } from '../../workflows/search-attributes';
import { FAKE_DECLARATIONS } from '../unit/dag-fixtures';
import { FakeActivities, startTestServer, startWorker, testDag } from './workflow-env';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../workers/worker';

let env: TestWorkflowEnvironment;
let fakes: FakeActivities;
let stopWorker: () => Promise<void>;
const taskQueue = `wf-test-${process.pid}`;

beforeAll(async () => {
  env = await startTestServer();
  fakes = new FakeActivities(testDag(FAKE_DECLARATIONS));
  const { w, done } = await startWorker(env, taskQueue, fakes);
  stopWorker = async () => {
    w.worker.shutdown();
    await done;
  };
}, 180_000);

afterAll(async () => {
  await stopWorker?.();
  await env?.teardown();
});

const run = (date: string, extra: Record<string, unknown> = {}) =>
  env.client.workflow.execute(dailyPipeline, { taskQueue, workflowId: `test/daily/${date}/${Math.random()}`, args: [{ date, ...extra }] });

describe('dailyPipeline on a real Temporal dev server', () => {
  it('a failed task skips its downstream while unrelated branches succeed; non-retryable is tried once', async () => {
    fakes.failWith('silver.customers', 'QualityFailure', 'customer_id_present failed on 3 rows');
    const res = await run('2024-01-02');
    fakes.behaviours.delete('silver.customers');
    const state = Object.fromEntries(res.tasks.map((t) => [t.taskId, t.state]));
    expect(res.status).toBe('failed');
    expect(state['silver.customers']).toBe('failed');
    expect(res.tasks.find((t) => t.taskId === 'silver.customers')!.error).toMatch(/QualityFailure: customer_id_present failed on 3 rows/);
    for (const t of ['silver.transactions', 'gold.customer_daily_activity', 'gold.daily_transaction_summary']) expect(state[t]).toBe('skipped');
    expect(res.tasks.find((t) => t.taskId === 'silver.transactions')!.error).toMatch(/upstream failed: silver.customers/);
    for (const t of ['bronze.customers', 'bronze.transactions', 'silver.fx_rates', 'silver.market_ticks', 'gold.daily_ohlcv', 'gold.technical_indicators', 'gold.risk_metrics']) {
      expect(state[t]).toBe('succeeded');
    }
    // skipped tasks never ran; the non-retryable failure ran once
    const ran = fakes.ranFor('2024-01-02');
    expect(ran).not.toContain('silver.transactions');
    expect(ran.filter((t) => t === 'silver.customers')).toHaveLength(1);
    // per-layer totals over the tasks that ran
    expect(res.layers.bronze.rowsIn).toBe(4 * 10);
    // the outcome went to the ledger
    expect(fakes.ledger.at(-1)!.tasks.find((t) => t.taskId === 'silver.customers')!.state).toBe('failed');
  });

  it('replayFailed runs the failed and skipped tasks and their downstream, then the day is complete', async () => {
    const before = fakes.calls.length;
    const res = await env.client.workflow.execute(replayFailed, { taskQueue, workflowId: `test/replay/${Math.random()}`, args: [{ from: '2024-01-01', to: '2024-01-03' }] });
    expect(res.replayed).toHaveLength(1);
    expect(res.replayed[0]!.date).toBe('2024-01-02');
    expect(res.replayed[0]!.status).toBe('succeeded');
    const rerun = fakes.calls.slice(before).map((c) => c.taskId).sort();
    expect(rerun).toEqual(['gold.customer_daily_activity', 'gold.daily_transaction_summary', 'silver.customers', 'silver.transactions']);
    const again = await env.client.workflow.execute(replayFailed, { taskQueue, workflowId: `test/replay/${Math.random()}`, args: [{ from: '2024-01-01', to: '2024-01-03' }] });
    expect(again.replayed).toEqual([]);
  });

  it('retries a failed activity by its policy and succeeds', async () => {
    fakes.behaviours.set('gold.daily_ohlcv', (_i, attempt) => {
      if (attempt < 3) throw new Error(`transient failure ${attempt}`);
    });
    const res = await run('2024-01-04', { datasets: ['market_ticks', 'daily_ohlcv'] });
    fakes.behaviours.delete('gold.daily_ohlcv');
    expect(res.status).toBe('succeeded');
    expect(res.tasks.map((t) => t.taskId)).toEqual(['bronze.market_ticks', 'silver.market_ticks', 'gold.daily_ohlcv']);
    const attempts = fakes.calls.filter((c) => c.date === '2024-01-04' && c.taskId === 'gold.daily_ohlcv').map((c) => c.attempt);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('gives up after maximumAttempts and reports the last error', async () => {
    fakes.behaviours.set('bronze.fx_rates', () => {
      throw new Error('broker unreachable');
    });
    const res = await run('2024-01-05', { datasets: ['fx_rates'] });
    fakes.behaviours.delete('bronze.fx_rates');
    expect(res.tasks.map((t) => t.state)).toEqual(['failed', 'skipped']);
    expect(res.tasks[0]!.error).toMatch(/broker unreachable/);
    expect(fakes.calls.filter((c) => c.date === '2024-01-05').length).toBe(3);
  });

  it('progress query shows the DAG with each task state while running; children have deterministic ids and search attributes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fakes.behaviours.set('silver.market_ticks', async () => {
      await gate;
    });
    const handle = await env.client.workflow.start(dailyPipeline, { taskQueue, workflowId: `test/progress/${Math.random()}`, args: [{ date: '2024-01-06' }] });
    let p: Progress | undefined;
    for (let i = 0; i < 100; i++) {
      p = await handle.query(progressQuery);
      const st = Object.fromEntries(p.tasks.map((t) => [t.taskId, t.state]));
      if (st['silver.market_ticks'] === 'running' && st['gold.daily_transaction_summary'] === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const st = Object.fromEntries(p!.tasks.map((t) => [t.taskId, t.state]));
    expect(p!.status).toBe('running');
    expect(st['silver.market_ticks']).toBe('running');
    expect(st['bronze.market_ticks']).toBe('succeeded'); // per task, reported by the running partition
    expect(st['gold.daily_ohlcv']).toBe('pending');
    expect(st['silver.transactions']).toBe('succeeded');
    expect(p!.tasks.find((t) => t.taskId === 'silver.transactions')!.deps).toEqual(['bronze.transactions', 'silver.customers', 'silver.fx_rates']);
    expect(p!.tasks.find((t) => t.taskId === 'silver.market_ticks')!.partitionWorkflowId).toBe('financelake/market_ticks/2024-01-06');
    release();
    fakes.behaviours.delete('silver.market_ticks');
    const res = await handle.result();
    expect(res.status).toBe('succeeded');
    const final = await handle.query(progressQuery);
    expect(final.tasks.every((t) => t.state === 'succeeded')).toBe(true);

    const child = await env.client.workflow.getHandle('financelake/transactions/2024-01-06').describe();
    expect(child.type).toBe('partitionPipeline');
    expect(child.status.name).toBe('COMPLETED');
    expect(child.typedSearchAttributes.get(DATASET)).toBe('transactions');
    expect(child.typedSearchAttributes.get(PARTITION_DATE)).toBe('2024-01-06');
    expect(child.typedSearchAttributes.get(STATUS)).toBe('succeeded');
    const parent = await handle.describe();
    expect(parent.typedSearchAttributes.get(STATUS)).toBe('succeeded');
  });

  it('without a date, runs the day before its start (what the daily Schedule relies on)', async () => {
    const handle = await env.client.workflow.start(dailyPipeline, { taskQueue, workflowId: `test/nodate/${Math.random()}`, args: [{ datasets: ['fx_rates'] }] });
    const res = await handle.result();
    const started = (await handle.describe()).startTime;
    expect(res.date).toBe(dayBefore(started));
  });

  it('refuses bad input with a clear, non-retried failure', async () => {
    await expect(run('2024-13-45')).rejects.toThrow();
    const h = await env.client.workflow.start(dailyPipeline, { taskQueue, workflowId: `test/bad/${Math.random()}`, args: [{ date: '2024-01-02', datasets: ['nope'] }] });
    const err = await h.result().catch((e) => e);
    expect(String(err.cause?.message ?? err.message)).toMatch(/unknown dataset\(s\): nope/);
  });

  it('backfill runs a range with bounded parallelism and continues-as-new', async () => {
    const handle = await env.client.workflow.start(backfill, {
      taskQueue,
      workflowId: `test/backfill/${Math.random()}`,
      args: [{ from: '2024-02-01', to: '2024-02-05', concurrency: 2, datesPerRun: 2, datasets: ['fx_rates'] }],
    });
    const res = await handle.result();
    expect(res.succeeded).toEqual(['2024-02-01', '2024-02-02', '2024-02-03', '2024-02-04', '2024-02-05']);
    expect(res.failed).toEqual([]);
    expect(res.from).toBe('2024-02-01');
    // continue-as-new: the handle followed into later runs of the same workflow id
    const runs: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(wf.runId);
    expect(runs.length).toBe(3);
    const days = new Set(fakes.calls.filter((c) => c.date.startsWith('2024-02')).map((c) => c.date));
    expect(days.size).toBe(5);
  });

  it('two workers on the same task queue share the work', async () => {
    const other = new FakeActivities(fakes.dag);
    const slow = (f: FakeActivities) => {
      for (const t of f.dag.tasks) f.behaviours.set(t.id, () => new Promise((r) => setTimeout(r, 150)));
    };
    slow(fakes);
    slow(other);
    const second = await startWorker(env, taskQueue, other, true);
    try {
      const res = await run('2024-03-01');
      expect(res.status).toBe('succeeded');
      const mine = fakes.ranFor('2024-03-01').length;
      const theirs = other.ranFor('2024-03-01').length;
      expect(mine + theirs).toBe(13);
      expect(mine).toBeGreaterThan(0);
      expect(theirs).toBeGreaterThan(0);
    } finally {
      fakes.behaviours.clear();
      second.w.worker.shutdown();
      await second.done;
    }
  });

  it('histories replay deterministically against the workflow code (parent and partition)', async () => {
    fakes.failWith('silver.fx_rates', 'SchemaMismatch');
    const handle = await env.client.workflow.start(dailyPipeline, { taskQueue, workflowId: `test/replay-determinism/${Math.random()}`, args: [{ date: '2024-04-01' }] });
    await handle.result();
    fakes.behaviours.delete('silver.fx_rates');
    const histories = [await handle.fetchHistory(), await env.client.workflow.getHandle('financelake/fx_rates/2024-04-01').fetchHistory()];
    for (const history of histories) {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'determinism' }, history);
    }
  });
});
