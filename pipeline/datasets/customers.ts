import type { DatasetDeclaration } from '../types';
import { REGIONS, RISK_RATINGS, SEGMENTS } from './reference-values';

/** The customer dimension: a full snapshot file per day; silver keeps one partition per snapshot date. */
export const customers: DatasetDeclaration = {
  name: 'customers',
  layer: 'silver',
  description: 'Customer dimension (daily snapshots): segment, home region, risk rating.',
  source: { kind: 'files', pattern: 'customers/', formats: ['csv', 'jsonl', 'parquet'] },
  sourceFields: [
    { name: 'customer_id', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'segment', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'risk_rating', type: 'string' },
    { name: 'opened_at', type: 'date' },
  ],
  // no dateFrom: the snapshot date is the date in the file's path
  standardize: {
    customer_id: 'upper(trim({{value}}))',
    segment: 'lower(trim({{value}}))',
    region: 'upper(trim({{value}}))',
    risk_rating: 'lower(trim({{value}}))',
  },
  schema: [
    { name: 'customer_id', type: 'string', nullable: false },
    { name: 'name', type: 'string' },
    { name: 'segment', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'risk_rating', type: 'string' },
    { name: 'opened_at', type: 'date' },
    { name: 'date', type: 'date', nullable: false },
  ],
  // the same customer is in every snapshot: the key includes the snapshot date
  keys: ['customer_id', 'date'],
  partitionColumns: ['date'],
  reads: ['bronze.customers'],
  quality: {
    dataset: 'customers',
    expectations: [
      { name: 'customer_id_present', rule: 'not_null', column: 'customer_id', severity: 'drop', treatEmptyAsNull: true },
      { name: 'customer_id_format', rule: 'match_regex', column: 'customer_id', pattern: '^C[0-9]{6}$', severity: 'drop' },
      { name: 'segment_known', rule: 'in_set', column: 'segment', values: [...SEGMENTS], severity: 'warn' },
      { name: 'region_present', rule: 'not_null', column: 'region', severity: 'drop', treatEmptyAsNull: true },
      { name: 'region_known', rule: 'in_set', column: 'region', values: [...REGIONS], severity: 'drop' },
      { name: 'risk_rating_known', rule: 'in_set', column: 'risk_rating', values: [...RISK_RATINGS], severity: 'warn' },
      { name: 'customer_unique', rule: 'unique', columns: ['customer_id', 'date'], severity: 'drop' },
      { name: 'opened_before_snapshot', rule: 'column_pair', left: 'opened_at', op: '<=', right: 'date', severity: 'warn' },
    ],
  },
};
