import type { DatasetDeclaration } from '../types';
import { CURRENCIES, REGIONS, TRANSACTION_STATUSES, TRANSACTION_TYPES } from './reference-values';

/** Account movements delivered as landing files (CSV, JSON lines and Parquet, mixed). */
export const transactions: DatasetDeclaration = {
  name: 'transactions',
  layer: 'silver',
  description: 'Financial transactions per account, enriched with customer attributes and a USD amount.',
  source: { kind: 'files', pattern: 'transactions/', formats: ['csv', 'jsonl', 'parquet'] },
  sourceFields: [
    { name: 'transaction_id', type: 'string' },
    { name: 'account_id', type: 'string' },
    { name: 'customer_id', type: 'string' },
    { name: 'ts', type: 'timestamp' },
    { name: 'amount', type: 'decimal(18,2)' },
    { name: 'currency', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'counterparty', type: 'string' },
    { name: 'status', type: 'string' },
  ],
  dateFrom: 'ts',
  standardize: {
    transaction_id: 'trim({{value}})',
    customer_id: 'upper(trim({{value}}))',
    currency: 'upper(trim({{value}}))',
    type: 'lower(trim({{value}}))',
    region: 'upper(trim({{value}}))',
    status: 'lower(trim({{value}}))',
  },
  schema: [
    { name: 'transaction_id', type: 'string', nullable: false },
    { name: 'account_id', type: 'string' },
    { name: 'customer_id', type: 'string' },
    { name: 'ts', type: 'timestamp' },
    { name: 'amount', type: 'decimal(18,2)' },
    { name: 'currency', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'counterparty', type: 'string' },
    { name: 'status', type: 'string' },
    { name: 'amount_usd', type: 'double' },
    { name: 'customer_segment', type: 'string' },
    { name: 'customer_risk_rating', type: 'string' },
    { name: 'date', type: 'date', nullable: false },
    { name: 'region', type: 'string' },
  ],
  keys: ['transaction_id'],
  partitionColumns: ['date', 'region'],
  zorderColumns: ['customer_id', 'ts'],
  reads: ['bronze.transactions', 'silver.customers', 'silver.fx_rates'],
  readSpecs: { 'silver.customers': { mode: 'asof' }, 'silver.fx_rates': { mode: 'asof' } },
  transformSql: {
    silver: `
      SELECT t._row_id, t.transaction_id, t.account_id, t.customer_id, t.ts, t.amount, t.currency, t.type,
             t.counterparty, t.status,
             CAST(t.amount AS DOUBLE) * fx.rate_to_usd AS amount_usd,
             c.segment AS customer_segment, c.risk_rating AS customer_risk_rating,
             t.date, t.region
      FROM {{typed}} t
      LEFT JOIN {{silver.customers}} c ON c.customer_id = t.customer_id
      LEFT JOIN {{silver.fx_rates}} fx ON fx.currency = t.currency`,
  },
  quality: {
    dataset: 'transactions',
    expectations: [
      { name: 'transaction_id_present', rule: 'not_null', column: 'transaction_id', severity: 'drop', treatEmptyAsNull: true },
      { name: 'customer_id_present', rule: 'not_null', column: 'customer_id', severity: 'drop', treatEmptyAsNull: true },
      { name: 'ts_present', rule: 'not_null', column: 'ts', severity: 'drop' },
      { name: 'amount_present', rule: 'not_null', column: 'amount', severity: 'drop' },
      // in_set passes NULL: codes that partition or group the data must be present
      { name: 'currency_present', rule: 'not_null', column: 'currency', severity: 'drop', treatEmptyAsNull: true },
      { name: 'type_present', rule: 'not_null', column: 'type', severity: 'drop', treatEmptyAsNull: true },
      { name: 'region_present', rule: 'not_null', column: 'region', severity: 'drop', treatEmptyAsNull: true },
      { name: 'amount_in_range', rule: 'between', column: 'amount', min: 0.01, max: 50_000_000, severity: 'drop' },
      { name: 'currency_known', rule: 'in_set', column: 'currency', values: [...CURRENCIES], severity: 'drop' },
      { name: 'type_known', rule: 'in_set', column: 'type', values: [...TRANSACTION_TYPES], severity: 'drop' },
      { name: 'region_known', rule: 'in_set', column: 'region', values: [...REGIONS], severity: 'drop' },
      { name: 'status_known', rule: 'in_set', column: 'status', values: [...TRANSACTION_STATUSES], severity: 'warn' },
      { name: 'customer_exists', rule: 'foreign_key', column: 'customer_id', reference: 'silver.customers', referenceColumn: 'customer_id', severity: 'drop' },
      { name: 'transaction_id_unique', rule: 'unique', columns: ['transaction_id'], severity: 'drop' },
      { name: 'amount_usd_converted', rule: 'sql', expression: 'amount_usd IS NOT NULL AND amount_usd > 0', severity: 'warn' },
      { name: 'batch_not_empty', rule: 'row_count_between', min: 1, severity: 'warn' },
      { name: 'fresh_within_partition_day', rule: 'freshness', column: 'ts', maxAgeHours: 12, severity: 'warn' },
    ],
  },
};
