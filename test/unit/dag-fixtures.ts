import type { DagDeclaration } from '../../pipeline/dag';

/** A tiny registry with the edges; the real declarations are checked in dag-derive too. */
export const FAKE_DECLARATIONS: DagDeclaration[] = [
  { name: 'customers', layer: 'silver', source: { kind: 'files' }, reads: ['bronze.customers'] },
  { name: 'fx_rates', layer: 'reference', source: { kind: 'files' }, reads: ['bronze.fx_rates'] },
  { name: 'transactions', layer: 'silver', source: { kind: 'files' }, reads: ['bronze.transactions', 'silver.customers', 'silver.fx_rates'], keys: ['transaction_id'] },
  { name: 'market_ticks', layer: 'silver', source: { kind: 'kafka' }, reads: ['bronze.market_ticks'], retry: { maximumAttempts: 7 }, timeoutMs: 120_000 },
  { name: 'daily_ohlcv', layer: 'gold', reads: ['silver.market_ticks'] },
  { name: 'technical_indicators', layer: 'gold', reads: ['gold.daily_ohlcv'], readSpecs: { 'gold.daily_ohlcv': { mode: 'history' } } },
  { name: 'risk_metrics', layer: 'gold', reads: ['gold.daily_ohlcv'] },
  { name: 'daily_transaction_summary', layer: 'gold', reads: ['silver.transactions'] },
  { name: 'customer_daily_activity', layer: 'gold', reads: ['silver.transactions', 'silver.customers'] },
];
