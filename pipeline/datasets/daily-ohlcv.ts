import type { DatasetDeclaration } from '../types';

/** Open/high/low/close, volume, VWAP and trade count per symbol and day, from silver ticks. */
export const dailyOhlcv: DatasetDeclaration = {
  name: 'daily_ohlcv',
  layer: 'gold',
  description: 'Daily bars per symbol: open/close are the first/last trade by ts, VWAP = sum(price*volume)/sum(volume).',
  schema: [
    { name: 'date', type: 'date', nullable: false },
    { name: 'symbol', type: 'string', nullable: false },
    { name: 'exchange', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'open', type: 'double' },
    { name: 'high', type: 'double' },
    { name: 'low', type: 'double' },
    { name: 'close', type: 'double' },
    { name: 'volume', type: 'long' },
    { name: 'vwap', type: 'double' },
    { name: 'trade_count', type: 'long' },
  ],
  keys: ['date', 'symbol'],
  partitionColumns: ['date'],
  zorderColumns: ['symbol'],
  reads: ['silver.market_ticks'],
  // money sums go through DECIMAL: exact, so a re-run gives the same bits whatever the thread order
  transformSql: {
    gold: `
      SELECT {{date}} AS date, symbol, min(exchange) AS exchange, min(region) AS region,
             arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close,
             CAST(sum(volume) AS BIGINT) AS volume,
             CAST(sum(CAST(price AS DECIMAL(18,6)) * volume) AS DOUBLE) / sum(volume) AS vwap,
             CAST(count(*) AS BIGINT) AS trade_count
      FROM {{silver.market_ticks}}
      GROUP BY symbol`,
  },
  quality: {
    dataset: 'daily_ohlcv',
    expectations: [
      { name: 'high_not_below_low', rule: 'column_pair', left: 'high', op: '>=', right: 'low', severity: 'fail' },
      { name: 'vwap_within_range', rule: 'sql', expression: 'vwap BETWEEN low - 1e-9 AND high + 1e-9', severity: 'fail' },
    ],
  },
};
