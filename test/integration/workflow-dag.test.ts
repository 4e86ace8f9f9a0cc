import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/activity';
import { dailyPipeline, partitionPipeline, replayFailed, backfill, progressQuery, type Progress } from '../../workflows';
import { upstreamSignal } from '../../workflows/progress';
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

/** Records `start <task>` / `end <task>` for the date's activities; a gated task ends only when its gate opens. */
function trace(date: string, gates: Record<string, Promise<void>> = {}, delayMs = 0) {
  const events: string[] = [];
  let active = 0;
  let maxActive = 0;
  for (const t of fakes.dag.tasks) {
    fakes.behaviours.set(t.id, async (input) => {
      if (input.date !== date) return;
      events.push(`start ${t.id}`);
      maxActive = Math.max(maxActive, ++active);
      await gates[t.id];
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      active--;
      events.push(`end ${t.id}`);
    });
  }
  return { events, maxActive: () => maxActive, at: (e: string) => events.indexOf(e) };
}

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/** silver.transactions of the dates starting with `month` takes 150 ms and logs `start`/`end <date>`: a second date started meanwhile would show. */
function slowSilverTransactions(month: string, ms = 150): string[] {
  const events: string[] = [];
  fakes.behaviours.set('silver.transactions', async (input) => {
    if (!input.date.startsWith(month)) return;
    events.push(`start ${input.date}`);
    await new Promise((r) => setTimeout(r, ms));
    events.push(`end ${input.date}`);
  });
  return events;
}

/** A backfill of `transactions` over [from, to]: each day's bronze start and slow silver start and end, in one list. */
async function backfillTransactions(from: string, to: string, concurrency: number, silverMs: number) {
  const month = from.slice(0, 7);
  const events = slowSilverTransactions(month, silverMs);
  fakes.behaviours.set('bronze.transactions', (input) => {
    if (input.date.startsWith(month)) events.push(`bronze ${input.date}`);
  });
  try {
    const res = await env.client.workflow.execute(backfill, { taskQueue, workflowId: `test/backfill-order/${Math.random()}`, args: [{ from, to, concurrency, datasets: ['transactions'] }] });
    return { res, events };
  } finally {
    fakes.behaviours.delete('silver.transactions');
    fakes.behaviours.delete('bronze.transactions');
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await ok()) return;
  throw new Error(`timed out waiting for ${what}`);
}

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

  it('replayFailed replays its dates in date order when a replayed task reads earlier dates', async () => {
    const dates = ['2024-07-01', '2024-07-02', '2024-07-03'];
    const failed = { taskId: 'silver.transactions', dataset: 'transactions', layer: 'silver' as const, state: 'failed' as const, rowsIn: 0, rowsOut: 0, quarantined: 0, duplicates: 0, durationMs: 0 };
    for (const date of dates) fakes.ledger.push({ workflowId: `old/${date}`, runId: 'r0', date, tasks: [failed] });
    const events = slowSilverTransactions('2024-07');
    try {
      const res = await env.client.workflow.execute(replayFailed, { taskQueue, workflowId: `test/replay-order/${Math.random()}`, args: [{ from: dates[0]!, to: dates[2]!, concurrency: 3 }] });
      expect(res.replayed.map((r) => [r.date, r.status])).toEqual(dates.map((d) => [d, 'succeeded']));
      expect(events).toEqual(dates.flatMap((d) => [`start ${d}`, `end ${d}`]));
    } finally {
      fakes.behaviours.delete('silver.transactions');
    }
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
    expect(res.inDateOrderFor).toEqual([]); // fx_rates reads no earlier date: days at once
  });

  it('backfill runs days in date order when a task reads what earlier dates wrote, the next day’s other tasks beside it', async () => {
    const { res, events } = await backfillTransactions('2024-06-01', '2024-06-03', 3, 600);
    expect(res.succeeded).toEqual(['2024-06-01', '2024-06-02', '2024-06-03']);
    expect(res.inDateOrderFor).toEqual(['silver.transactions']);
    expect(res.aheadTasks).toEqual(['bronze.transactions']);
    // silver.transactions strictly one day after another
    expect(events.filter((e) => !e.startsWith('bronze'))).toEqual(['start 2024-06-01', 'end 2024-06-01', 'start 2024-06-02', 'end 2024-06-02', 'start 2024-06-03', 'end 2024-06-03']);
    // each day's bronze before its silver, and the next day's bronze while the day before's silver runs
    for (const d of ['2024-06-01', '2024-06-02', '2024-06-03']) expect(events.indexOf(`bronze ${d}`)).toBeLessThan(events.indexOf(`start ${d}`));
    expect(events.indexOf('bronze 2024-06-02')).toBeLessThan(events.indexOf('end 2024-06-01'));
    expect(events.indexOf('bronze 2024-06-03')).toBeLessThan(events.indexOf('end 2024-06-02'));
  });

  it('backfill with concurrency 1 runs one whole day after another', async () => {
    const { res, events } = await backfillTransactions('2024-05-01', '2024-05-02', 1, 300);
    expect(res.succeeded).toEqual(['2024-05-01', '2024-05-02']);
    expect(res.aheadTasks).toBeUndefined();
    expect(events).toEqual(['bronze 2024-05-01', 'start 2024-05-01', 'end 2024-05-01', 'bronze 2024-05-02', 'start 2024-05-02', 'end 2024-05-02']);
  });

  it('a pipelined backfill skips and records what depends on a failed task of the day ahead; later days go on', async () => {
    fakes.behaviours.set('bronze.transactions', (input) => {
      if (input.date === '2024-06-12') throw ApplicationFailure.create({ message: 'landing file unreadable', type: 'SchemaMismatch', nonRetryable: true });
    });
    try {
      const res = await env.client.workflow.execute(backfill, {
        taskQueue,
        workflowId: `test/backfill-ahead-fails/${Math.random()}`,
        args: [{ from: '2024-06-11', to: '2024-06-13', datasets: ['transactions', 'daily_transaction_summary'] }],
      });
      expect(res.succeeded).toEqual(['2024-06-11', '2024-06-13']);
      expect(res.failed.map((f) => f.date)).toEqual(['2024-06-12']);
      expect(res.failed[0]!.error).toMatch(/^bronze.transactions: .*landing file unreadable$/);
      expect(fakes.ranFor('2024-06-12')).toEqual(['bronze.transactions']);
      expect(fakes.ranFor('2024-06-13')).toEqual(['bronze.transactions', 'silver.transactions', 'gold.daily_transaction_summary']);
      // two runs for the day (ahead, then ordered); the ordered one recorded its tasks as skipped, so replayFailed finds them
      expect(fakes.ledger.filter((r) => r.date === '2024-06-12').map((r) => r.tasks.map((t) => t.taskId))).toEqual([['bronze.transactions'], ['silver.transactions', 'gold.daily_transaction_summary']]);
      const latest = (task: string) => fakes.ledger.filter((r) => r.date === '2024-06-12').flatMap((r) => r.tasks).filter((t) => t.taskId === task).at(-1);
      expect(latest('silver.transactions')).toMatchObject({ state: 'skipped', error: 'upstream failed: bronze.transactions' });
      expect(latest('gold.daily_transaction_summary')!.state).toBe('skipped');
      expect(latest('bronze.transactions')!.state).toBe('failed');
    } finally {
      fakes.behaviours.delete('bronze.transactions');
    }
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

  it("starts a partition once its first task can run: bronze.transactions runs while silver.customers is undecided; silver.transactions waits for it", async () => {
    const date = '2024-05-01';
    const customers = gate();
    const tr = trace(date, { 'silver.customers': customers.opened });
    try {
      const handle = await env.client.workflow.start(dailyPipeline, {
        taskQueue,
        workflowId: `test/early/${Math.random()}`,
        args: [{ date, datasets: ['customers', 'fx_rates', 'transactions', 'daily_transaction_summary'] }],
      });
      await until('bronze.transactions to end and silver.customers to start', () => tr.at('end bronze.transactions') >= 0 && tr.at('start silver.customers') >= 0);
      // bronze.transactions ran to its end while an outside dep of the partition's later task is still running
      expect(tr.at('end silver.customers')).toBe(-1);
      const child = env.client.workflow.getHandle('financelake/transactions/2024-05-01');
      await until('the partition to report its bronze', async () => (await child.query(progressQuery)).tasks[0]!.state === 'succeeded');
      const cp = await child.query(progressQuery);
      expect(cp.status).toBe('running');
      expect(cp.tasks.map((t) => [t.taskId, t.state])).toEqual([
        ['bronze.transactions', 'succeeded'],
        ['silver.transactions', 'pending'], // waiting for silver.customers inside the partition
      ]);
      expect(tr.at('start silver.transactions')).toBe(-1);
      customers.open();
      const res = await handle.result();
      expect(res.status).toBe('succeeded');
      // silver.transactions started only after both of its outside deps ended
      expect(tr.at('start silver.transactions')).toBeGreaterThan(tr.at('end silver.customers'));
      expect(tr.at('start silver.transactions')).toBeGreaterThan(tr.at('end silver.fx_rates'));
      expect(tr.at('start gold.daily_transaction_summary')).toBeGreaterThan(tr.at('end silver.transactions'));
      const history = await child.fetchHistory();
      expect(history.events!.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'upstream')).toBe(true);
    } finally {
      customers.open();
      fakes.behaviours.clear();
    }
  });

  it('maxParallel 1: one partition at a time, and the whole DAG completes', async () => {
    const date = '2024-05-02';
    const tr = trace(date, {}, 20);
    try {
      const res = await run(date, { maxParallel: 1 });
      expect(res.status).toBe('succeeded');
      expect(res.tasks).toHaveLength(13);
      expect(tr.maxActive()).toBe(1);
      // each partition's tasks ran back to back
      const datasets = tr.events.filter((e) => e.startsWith('start ')).map((e) => e.split('.')[1]);
      expect(datasets.filter((d, i) => d !== datasets[i - 1])).toHaveLength(new Set(datasets).size);
    } finally {
      fakes.behaviours.clear();
    }
  });

  it('a partition that would wait never takes the slot of the partition it waits for (maxParallel 1), and starts early when a slot is free (2)', async () => {
    // bronze.a sorts first, but silver.a reads silver.z: starting partition a first at maxParallel 1 would deadlock
    const own = fakes.dag;
    fakes.dag = testDag([
      { name: 'a', layer: 'silver', source: { kind: 'files' }, reads: ['silver.z'] },
      { name: 'z', layer: 'silver', source: { kind: 'files' } },
    ]);
    try {
      let tr = trace('2024-05-03', {}, 20);
      const one = await run('2024-05-03', { maxParallel: 1 });
      expect(one.status).toBe('succeeded');
      expect(tr.events).toEqual(['start bronze.z', 'end bronze.z', 'start silver.z', 'end silver.z', 'start bronze.a', 'end bronze.a', 'start silver.a', 'end silver.a']);

      const z = gate();
      tr = trace('2024-05-04', { 'silver.z': z.opened });
      const handle = await env.client.workflow.start(dailyPipeline, { taskQueue, workflowId: `test/early-az/${Math.random()}`, args: [{ date: '2024-05-04', maxParallel: 2 }] });
      await until('bronze.a to end', () => tr.at('end bronze.a') >= 0);
      expect(tr.at('end silver.z')).toBe(-1);
      z.open();
      const two = await handle.result();
      expect(two.status).toBe('succeeded');
      expect(tr.at('start silver.a')).toBeGreaterThan(tr.at('end silver.z'));
    } finally {
      fakes.dag = own;
      fakes.behaviours.clear();
    }
  });

  it('a partition started on its own (as from the UI) runs at once; with `awaiting` it waits for the upstream signal, then skips on a failed dep', async () => {
    const byId = new Map(fakes.dag.tasks.map((t) => [t.id, t]));
    const tasks = [byId.get('bronze.transactions')!, byId.get('silver.transactions')!];
    const alone = await env.client.workflow.execute(partitionPipeline, {
      taskQueue,
      workflowId: `test/partition-alone/${Math.random()}`,
      args: [{ dataset: 'transactions', date: '2024-05-05', runId: 'manual', tasks }],
    });
    expect(alone.tasks.map((t) => t.state)).toEqual(['succeeded', 'succeeded']);

    const h = await env.client.workflow.start(partitionPipeline, {
      taskQueue,
      workflowId: `test/partition-awaiting/${Math.random()}`,
      args: [{ dataset: 'transactions', date: '2024-05-06', runId: 'manual', tasks, awaiting: ['silver.customers', 'silver.fx_rates'] }],
    });
    await until('bronze.transactions to run', async () => (await h.query(progressQuery)).tasks[0]!.state === 'succeeded');
    await h.signal(upstreamSignal, { 'silver.fx_rates': 'succeeded' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.query(progressQuery)).tasks[1]!.state).toBe('pending'); // still waits for silver.customers
    await h.signal(upstreamSignal, { 'silver.customers': 'failed' });
    const res = await h.result();
    expect(res.tasks.map((t) => [t.taskId, t.state])).toEqual([
      ['bronze.transactions', 'succeeded'],
      ['silver.transactions', 'skipped'],
    ]);
    expect(res.tasks[1]!.error).toBe('upstream failed: silver.customers');
    expect(fakes.ranFor('2024-05-06')).toEqual(['bronze.transactions']);
  });

  it('histories replay deterministically against the workflow code (parent and partition)', async () => {
    fakes.failWith('silver.fx_rates', 'SchemaMismatch');
    const handle = await env.client.workflow.start(dailyPipeline, { taskQueue, workflowId: `test/replay-determinism/${Math.random()}`, args: [{ date: '2024-04-01' }] });
    await handle.result();
    fakes.behaviours.delete('silver.fx_rates');
    const histories = [
      await handle.fetchHistory(),
      await env.client.workflow.getHandle('financelake/fx_rates/2024-04-01').fetchHistory(),
      // started before silver.fx_rates failed: told by the upstream signal, skipped its silver
      await env.client.workflow.getHandle('financelake/transactions/2024-04-01').fetchHistory(),
    ];
    expect(histories[2]!.events!.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'upstream')).toBe(true);
    for (const history of histories) {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'determinism' }, history);
    }
  });
});
