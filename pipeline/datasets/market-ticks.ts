import type { DatasetDeclaration } from '../types';
import { REGIONS, SYMBOL_PATTERN } from './reference-values';

/** Trades/quotes streamed on Kafka `market.ticks` (key = symbol, JSON value). */
export const marketTicks: DatasetDeclaration = {
  name: 'market_ticks',
  layer: 'silver',
  description: 'Market ticks per symbol and exchange: last trade price, volume and the quote (bid/ask).',
  // Without a broker (the embedded default) the generator lands the same ticks as JSON lines.
  source: { kind: 'kafka', topic: 'market.ticks', files: { pattern: 'market_ticks/', formats: ['jsonl'] } },
  sourceFields: [
    { name: 'symbol', type: 'string' },
    { name: 'exchange', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'ts', type: 'timestamp' },
    { name: 'price', type: 'double' },
    { name: 'volume', type: 'long' },
    { name: 'bid', type: 'double' },
    { name: 'ask', type: 'double' },
  ],
  dateFrom: 'ts',
  standardize: {
    symbol: 'upper(trim({{value}}))',
    exchange: 'upper(trim({{value}}))',
    region: 'upper(trim({{value}}))',
  },
  schema: [
    { name: 'symbol', type: 'string', nullable: false },
    { name: 'exchange', type: 'string' },
    { name: 'ts', type: 'timestamp' },
    { name: 'price', type: 'double' },
    { name: 'volume', type: 'long' },
    { name: 'bid', type: 'double' },
    { name: 'ask', type: 'double' },
    { name: 'date', type: 'date', nullable: false },
    { name: 'region', type: 'string' },
  ],
  keys: ['symbol', 'exchange', 'ts'],
  partitionColumns: ['date', 'region'],
  zorderColumns: ['symbol', 'ts'],
  reads: ['bronze.market_ticks'],
  quality: {
    dataset: 'market_ticks',
    // Kafka payloads and JSON lines are checked for shape before typing.
    jsonSchema: {
      type: 'object',
      required: ['symbol', 'exchange', 'region', 'ts', 'price', 'volume', 'bid', 'ask'],
      properties: {
        symbol: { type: 'string', minLength: 1 },
        exchange: { type: 'string' },
        region: { type: 'string' },
        ts: { type: 'string', format: 'date-time' },
        price: { type: ['number', 'null'] },
        volume: { type: ['integer', 'null'] },
        bid: { type: ['number', 'null'] },
        ask: { type: ['number', 'null'] },
      },
    },
    expectations: [
      { name: 'symbol_present', rule: 'not_null', column: 'symbol', severity: 'drop', treatEmptyAsNull: true },
      { name: 'symbol_format', rule: 'match_regex', column: 'symbol', pattern: SYMBOL_PATTERN, severity: 'drop' },
      { name: 'ts_present', rule: 'not_null', column: 'ts', severity: 'drop' },
      { name: 'price_present', rule: 'not_null', column: 'price', severity: 'drop' },
      { name: 'price_positive', rule: 'sql', expression: 'price > 0', severity: 'drop' },
      { name: 'volume_positive', rule: 'between', column: 'volume', min: 1, severity: 'drop' },
      { name: 'bid_not_above_ask', rule: 'column_pair', left: 'bid', op: '<=', right: 'ask', severity: 'drop' },
      { name: 'region_present', rule: 'not_null', column: 'region', severity: 'drop', treatEmptyAsNull: true },
      { name: 'region_known', rule: 'in_set', column: 'region', values: [...REGIONS], severity: 'drop' },
      { name: 'tick_unique', rule: 'unique', columns: ['symbol', 'exchange', 'ts'], severity: 'drop' },
      { name: 'batch_not_empty', rule: 'row_count_between', min: 1, severity: 'warn' },
      { name: 'fresh_within_partition_day', rule: 'freshness', column: 'ts', maxAgeHours: 12, severity: 'warn' },
    ],
  },
};
