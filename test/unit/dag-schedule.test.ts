import { describe, expect, it } from 'vitest';
import { buildDag, downstreamOf, nextPartition, partitions, propagateSkips, readyTasks, type TaskState } from '../../pipeline/dag';
import { FAKE_DECLARATIONS } from './dag-fixtures';

const dag = buildDag(FAKE_DECLARATIONS);
const all = (s: TaskState) => Object.fromEntries(dag.tasks.map((t) => [t.id, s])) as Record<string, TaskState>;

describe('skip propagation', () => {
  it('skips everything downstream of a failed task, transitively, and nothing else', () => {
    const states = { ...all('pending'), 'bronze.customers': 'succeeded', 'silver.customers': 'failed' } as Record<string, TaskState>;
    const next = propagateSkips(dag, states);
    const skipped = Object.keys(next).filter((k) => next[k] === 'skipped').sort();
    expect(skipped).toEqual(['gold.customer_daily_activity', 'gold.daily_transaction_summary', 'silver.transactions']);
    expect(next['bronze.transactions']).toBe('pending');
    expect(next['gold.daily_ohlcv']).toBe('pending');
    expect(states['silver.transactions']).toBe('pending'); // input untouched
    expect(new Set(skipped)).toEqual(downstreamOf(dag, ['silver.customers']));
  });

  it('never overrides a decided or running task', () => {
    const states = { ...all('succeeded'), 'silver.market_ticks': 'failed', 'gold.daily_ohlcv': 'running' } as Record<string, TaskState>;
    const next = propagateSkips(dag, states);
    expect(next['gold.daily_ohlcv']).toBe('running');
    expect(next['gold.risk_metrics']).toBe('succeeded');
  });
});

describe('readiness', () => {
  it('ready tasks are pending ones whose deps all succeeded', () => {
    expect(readyTasks(dag, all('pending')).every((id) => id.startsWith('bronze.'))).toBe(true);
    const s = { ...all('pending'), 'bronze.market_ticks': 'succeeded' } as Record<string, TaskState>;
    expect(readyTasks(dag, s)).toContain('silver.market_ticks');
  });

  const plans = partitions(dag);
  /** Every partition in the order nextPartition hands them out, as if each were started at once. */
  const drain = (s: Record<string, TaskState>, started = new Set<string>(), max = Infinity) => {
    const out: { dataset: string; tasks: string[]; awaiting: string[] }[] = [];
    for (let n = 0, next; n < max && (next = nextPartition(dag, plans, s, started)); n++) {
      started.add(next.plan.dataset);
      out.push({ dataset: next.plan.dataset, tasks: next.tasks, awaiting: next.awaiting });
    }
    return out;
  };

  it('a partition starts once its first task can run; its later tasks await their outside deps', () => {
    const tx = plans.find((p) => p.dataset === 'transactions')!;
    expect(tx.tasks).toEqual(['bronze.transactions', 'silver.transactions']);
    expect(tx.externalDeps).toEqual(['silver.customers', 'silver.fx_rates']);
    const first = drain(all('pending'));
    // those that wait for nothing first; transactions (its bronze needs nothing) once what it awaits has started
    expect(first.map((p) => p.dataset)).toEqual(['customers', 'fx_rates', 'market_ticks', 'transactions']);
    expect(first.find((p) => p.dataset === 'transactions')).toEqual({ dataset: 'transactions', tasks: tx.tasks, awaiting: ['silver.customers', 'silver.fx_rates'] });
    expect(first.filter((p) => p.dataset !== 'transactions').every((p) => p.awaiting.length === 0)).toBe(true);
    // a gold partition's only task needs silver.transactions: it cannot start early
    const s = { ...all('pending'), 'bronze.transactions': 'running', 'silver.transactions': 'running' } as Record<string, TaskState>;
    expect(drain(s, new Set(['customers', 'fx_rates', 'market_ticks', 'transactions'])).map((p) => p.dataset)).toEqual([]);
  });

  it('a partition that would wait starts only after the partitions it waits for (no deadlock at maxParallel 1)', () => {
    // 'a' comes first in the plans (bronze.a sorts before bronze.z) but its silver reads silver.z
    const az = buildDag([
      { name: 'a', layer: 'silver', source: { kind: 'files' }, reads: ['silver.z'] },
      { name: 'z', layer: 'silver', source: { kind: 'files' } },
    ]);
    const azPlans = partitions(az);
    expect(azPlans.map((p) => p.dataset)).toEqual(['a', 'z']);
    const pending = Object.fromEntries(az.tasks.map((t) => [t.id, 'pending'])) as Record<string, TaskState>;
    // one slot free, nothing started: z, never a (a would hold the slot z needs)
    expect(nextPartition(az, azPlans, pending, new Set())!.plan.dataset).toBe('z');
    // z started (holding its slot, undecided): now a may start, awaiting silver.z
    const zRunning = { ...pending, 'bronze.z': 'running', 'silver.z': 'running' } as Record<string, TaskState>;
    expect(nextPartition(az, azPlans, zRunning, new Set(['z']))).toEqual({ plan: azPlans[0], tasks: ['bronze.a', 'silver.a'], awaiting: ['silver.z'] });
    // z decided: a waits for nothing
    const zDone = { ...pending, 'bronze.z': 'succeeded', 'silver.z': 'succeeded' } as Record<string, TaskState>;
    expect(nextPartition(az, azPlans, zDone, new Set(['z']))!.awaiting).toEqual([]);
    // on the fixture, one slot: the order is that of the plans, each waiting for nothing
    expect(drain(all('pending'), new Set(), 1).map((p) => p.dataset)).toEqual(['customers']);
    const custDone = { ...all('pending'), 'bronze.customers': 'succeeded', 'silver.customers': 'succeeded' } as Record<string, TaskState>;
    expect(drain(custDone, new Set(['customers']), 1)).toEqual([{ dataset: 'fx_rates', tasks: ['bronze.fx_rates', 'silver.fx_rates'], awaiting: [] }]);
  });

  it('tasks skipped by a failure upstream are left out; the partition still starts for what can run', () => {
    let s = { ...all('pending'), 'bronze.customers': 'succeeded', 'silver.customers': 'failed', 'bronze.fx_rates': 'succeeded', 'silver.fx_rates': 'succeeded' } as Record<string, TaskState>;
    s = propagateSkips(dag, s);
    const started = new Set(['customers', 'fx_rates', 'market_ticks']);
    // transactions still starts: its bronze can run though its silver is skipped.
    expect(drain(s, started)).toEqual([{ dataset: 'transactions', tasks: ['bronze.transactions'], awaiting: [] }]);
    expect(s['silver.transactions']).toBe('skipped');
  });
});
