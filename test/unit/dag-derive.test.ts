import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, DagError, buildDag, daysAtOnce, pipelinePhases, renderDag, selectDag, type DagDeclaration } from '../../pipeline/dag';
import { FAKE_DECLARATIONS } from './dag-fixtures';
import { validateDeclarations } from '../../activities/validate';
import { datasets } from '../../pipeline';

const depsOf = (decls: DagDeclaration[]) => Object.fromEntries(buildDag(decls).tasks.map((t) => [t.id, t.deps]));

describe('buildDag: derivation from declarations', () => {
  it('gives bronze+silver per source dataset and one gold task per derived dataset, with the issue edges', () => {
    const deps = depsOf(FAKE_DECLARATIONS);
    expect(Object.keys(deps).sort()).toEqual(
      [
        'bronze.customers', 'silver.customers', 'bronze.fx_rates', 'silver.fx_rates', 'bronze.transactions', 'silver.transactions',
        'bronze.market_ticks', 'silver.market_ticks', 'gold.daily_ohlcv', 'gold.technical_indicators', 'gold.risk_metrics',
        'gold.daily_transaction_summary', 'gold.customer_daily_activity',
      ].sort(),
    );
    expect(deps['bronze.transactions']).toEqual([]);
    expect(deps['silver.transactions']).toEqual(['bronze.transactions', 'silver.customers', 'silver.fx_rates']);
    expect(deps['gold.customer_daily_activity']).toEqual(['silver.customers', 'silver.transactions']);
    expect(deps['gold.technical_indicators']).toEqual(['gold.daily_ohlcv']);
    expect(deps['gold.risk_metrics']).toEqual(['gold.daily_ohlcv']);
  });

  it('silver depends on its own bronze even when reads omits it', () => {
    const deps = depsOf([{ name: 'a', layer: 'silver', source: {}, reads: [] }]);
    expect(deps['silver.a']).toEqual(['bronze.a']);
  });

  it('orders topologically and reproducibly', () => {
    const a = buildDag(FAKE_DECLARATIONS).tasks.map((t) => t.id);
    const b = buildDag([...FAKE_DECLARATIONS].reverse()).tasks.map((t) => t.id);
    expect(a).toEqual(b);
    const pos = new Map(a.map((id, i) => [id, i]));
    for (const t of buildDag(FAKE_DECLARATIONS).tasks) for (const d of t.deps) expect(pos.get(d)!).toBeLessThan(pos.get(t.id)!);
    expect(a.slice(0, 4).every((id) => id.startsWith('bronze.'))).toBe(true);
  });

  it('takes retry policy and timeout from the declaration, defaults otherwise', () => {
    const byId = new Map(buildDag(FAKE_DECLARATIONS).tasks.map((t) => [t.id, t]));
    expect(byId.get('silver.market_ticks')!.retry.maximumAttempts).toBe(7);
    expect(byId.get('silver.market_ticks')!.retry.initialIntervalMs).toBe(DEFAULT_RETRY.initialIntervalMs);
    expect(byId.get('bronze.market_ticks')!.startToCloseTimeoutMs).toBe(120_000);
    expect(byId.get('gold.daily_ohlcv')!.retry).toEqual(DEFAULT_RETRY);
    expect(byId.get('gold.daily_ohlcv')!.startToCloseTimeoutMs).toBe(DEFAULT_TIMEOUT_MS);
    expect(() => buildDag([{ name: 'x', layer: 'gold', reads: [], retry: { maximumAttempts: 0 } }])).toThrow(/x.*retry.maximumAttempts/);
  });

  it('is plain JSON data (travels through Temporal history unchanged)', () => {
    const dag = buildDag(FAKE_DECLARATIONS);
    expect(JSON.parse(JSON.stringify(dag))).toEqual(dag);
  });

  it('renders one line per task', () => {
    const text = renderDag(buildDag(FAKE_DECLARATIONS));
    expect(text).toMatch(/^13 tasks, \d+ edges/);
    expect(text).toMatch(/silver\.transactions\s+<- bronze\.transactions, silver\.customers, silver\.fx_rates/);
  });
});

describe('tasks that read earlier dates (backfills run their days in date order)', () => {
  it('flags silver deduping on keys without the date, and history / as-of reads, in the real declarations', () => {
    const dag = validateDeclarations();
    expect(dag.tasks.filter((t) => t.readsEarlierDates).map((t) => t.id).sort()).toEqual([
      'gold.customer_daily_activity', // silver.customers as of the date
      'gold.risk_metrics', // a window of daily_ohlcv
      'gold.technical_indicators',
      'silver.market_ticks', // keys (symbol, exchange, ts): dedup against earlier dates
      'silver.transactions', // transaction_id, and customers / FX as of the date
    ]);
    expect(dag.tasks.filter((t) => t.readsEarlierDates === undefined)).toEqual([]);
  });

  it('daysAtOnce: the requested width only when no task reads earlier dates', () => {
    const dag = buildDag(FAKE_DECLARATIONS);
    expect(daysAtOnce(selectDag(dag, { datasets: ['fx_rates', 'customers'] }), 4)).toEqual({ width: 4, inOrderFor: [] });
    expect(daysAtOnce(selectDag(dag, { datasets: ['transactions', 'fx_rates'] }), 4)).toEqual({ width: 1, inOrderFor: ['silver.transactions'] });
    expect(daysAtOnce(dag, 3).inOrderFor).toEqual(['silver.transactions', 'gold.technical_indicators']);
  });

  it('pipelinePhases: what reads earlier dates and all downstream of it is ordered; the rest may run a day ahead', () => {
    const dag = validateDeclarations();
    const { ahead, ordered } = pipelinePhases(dag);
    expect([...ahead, ...ordered].sort()).toEqual(dag.tasks.map((t) => t.id).sort());
    expect(ahead.sort()).toEqual(['bronze.customers', 'bronze.fx_rates', 'bronze.market_ticks', 'bronze.transactions', 'silver.customers', 'silver.fx_rates']);
    // no ahead task depends on an ordered one, so a day's ahead run never waits for the ordered run of its day
    for (const t of dag.tasks.filter((x) => ahead.includes(x.id))) expect(t.deps.filter((d) => ordered.includes(d))).toEqual([]);
    expect(pipelinePhases(selectDag(dag, { datasets: ['fx_rates', 'customers'] })).ordered).toEqual([]);
  });
});

describe('buildDag: refusals', () => {
  it('refuses a missing dependency naming both tasks', () => {
    const decls = [...FAKE_DECLARATIONS, { name: 'var_report', layer: 'gold', reads: ['gold.nonexistent'] }];
    expect(() => buildDag(decls)).toThrow(DagError);
    expect(() => buildDag(decls)).toThrow(/missing dependency: gold\.var_report -> gold\.nonexistent/);
  });

  it('refuses a cycle naming the tasks on it', () => {
    const decls: DagDeclaration[] = [
      { name: 'a', layer: 'gold', reads: ['gold.c'] },
      { name: 'b', layer: 'gold', reads: ['gold.a'] },
      { name: 'c', layer: 'gold', reads: ['gold.b'] },
      { name: 'd', layer: 'gold', reads: [] },
    ];
    let err: DagError | undefined;
    try {
      buildDag(decls);
    } catch (e) {
      err = e as DagError;
    }
    expect(err).toBeInstanceOf(DagError);
    expect(err!.message).toMatch(/dependency cycle: /);
    expect([...err!.tasks].sort()).toEqual(['gold.a', 'gold.b', 'gold.c']);
    expect(err!.message).not.toMatch(/gold\.d/);
  });

  it('refuses a self-read of gold as nothing, and a dataset-level cycle between partitions', () => {
    const decls: DagDeclaration[] = [
      { name: 'a', layer: 'silver', source: {}, reads: ['silver.b'] },
      { name: 'b', layer: 'silver', source: {}, reads: ['bronze.a'] },
    ];
    expect(() => buildDag(decls)).toThrow(/datasets wait for each other.*\ba\b.*\bb\b|datasets wait for each other.*\bb\b.*\ba\b/);
  });

  it('refuses duplicates and malformed reads', () => {
    expect(() => buildDag([{ name: 'a', layer: 'gold', reads: [] }, { name: 'a', layer: 'gold', reads: [] }])).toThrow(/"a" is declared twice/);
    expect(() => buildDag([{ name: 'a', layer: 'gold', reads: ['platinum.x'] }])).toThrow(/reads "platinum.x"/);
  });
});

describe('selectDag', () => {
  const dag = buildDag(FAKE_DECLARATIONS);
  it('keeps chosen datasets, dropping edges to tasks outside', () => {
    const sub = selectDag(dag, { datasets: ['transactions'] });
    expect(sub.tasks.map((t) => t.id)).toEqual(['bronze.transactions', 'silver.transactions']);
    expect(sub.tasks[1]!.deps).toEqual(['bronze.transactions']);
  });
  it('adds everything downstream of chosen tasks when asked', () => {
    const sub = selectDag(dag, { tasks: ['silver.customers'], withDownstream: true });
    expect(sub.tasks.map((t) => t.id).sort()).toEqual(
      ['silver.customers', 'silver.transactions', 'gold.customer_daily_activity', 'gold.daily_transaction_summary'].sort(),
    );
  });
  it('refuses unknown names', () => {
    expect(() => selectDag(dag, { datasets: ['nope'] })).toThrow(/unknown dataset\(s\): nope/);
    expect(() => selectDag(dag, { tasks: ['gold.nope'] })).toThrow(/unknown task\(s\): gold.nope/);
  });
});

describe('the real declarations (pipeline/datasets)', () => {
  it('pass validation and give the edges the issue names', async () => {
    const dag = validateDeclarations();
    const deps = Object.fromEntries(dag.tasks.map((t) => [t.id, t.deps]));
    expect(deps['silver.transactions']).toEqual(expect.arrayContaining(['bronze.transactions', 'silver.customers']));
    expect(deps['gold.customer_daily_activity']).toEqual(expect.arrayContaining(['silver.transactions', 'silver.customers']));
    expect(deps['gold.technical_indicators']).toContain('gold.daily_ohlcv');
    expect(deps['gold.risk_metrics']).toContain('gold.daily_ohlcv');
    expect(deps['bronze.market_ticks']).toEqual([]);
  });

  it('a broken declaration is refused naming it', async () => {
    const decls = datasets().map((d) => (d.name === 'daily_ohlcv' ? { ...d, reads: [...d.reads, 'silver.nonexistent'] } : d));
    expect(() => validateDeclarations(decls)).toThrow(/daily_ohlcv.*silver\.nonexistent/);
  });
});
