import { describe, expect, it } from 'vitest';
import { buildDag, downstreamOf, partitions, propagateSkips, readyTasks, startablePartitions, type TaskState } from '../../pipeline/dag';
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

  it('a partition starts when the other datasets tasks it waits for are decided', () => {
    const plans = partitions(dag);
    const tx = plans.find((p) => p.dataset === 'transactions')!;
    expect(tx.tasks).toEqual(['bronze.transactions', 'silver.transactions']);
    expect(tx.externalDeps).toEqual(['silver.customers', 'silver.fx_rates']);
    let s = all('pending');
    const first = startablePartitions(dag, plans, s, new Set()).map((p) => p.dataset).sort();
    expect(first).toEqual(['customers', 'fx_rates', 'market_ticks']);
    s = { ...s, 'bronze.customers': 'succeeded', 'silver.customers': 'failed', 'bronze.fx_rates': 'succeeded', 'silver.fx_rates': 'succeeded' };
    s = propagateSkips(dag, s);
    const started = new Set(['customers', 'fx_rates', 'market_ticks']);
    const next = startablePartitions(dag, plans, s, started).map((p) => p.dataset);
    // transactions still starts: its bronze can run though its silver is skipped.
    expect(next).toEqual(['transactions']);
    expect(s['silver.transactions']).toBe('skipped');
  });
});
