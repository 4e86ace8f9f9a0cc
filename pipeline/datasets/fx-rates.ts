import type { DatasetDeclaration } from '../types';

/** Reference table: the USD value of one unit of each currency, per date (generated with the data). */
export const fxRates: DatasetDeclaration = {
  name: 'fx_rates',
  layer: 'reference',
  description: 'Daily FX reference rates: currency -> USD.',
  source: { kind: 'files', pattern: 'fx_rates/', formats: ['csv', 'jsonl', 'parquet'] },
  sourceFields: [
    { name: 'date', type: 'date' },
    { name: 'currency', type: 'string' },
    { name: 'rate_to_usd', type: 'double' },
  ],
  dateFrom: 'date',
  standardize: { currency: 'upper(trim({{value}}))' },
  schema: [
    { name: 'currency', type: 'string', nullable: false },
    { name: 'rate_to_usd', type: 'double' },
    { name: 'date', type: 'date', nullable: false },
  ],
  keys: ['currency', 'date'],
  partitionColumns: ['date'],
  reads: ['bronze.fx_rates'],
  quality: {
    dataset: 'fx_rates',
    expectations: [
      { name: 'currency_iso', rule: 'match_regex', column: 'currency', pattern: '^[A-Z]{3}$', severity: 'drop' },
      // a missing or non-positive rate would silently corrupt every amount_usd: stop the partition
      { name: 'rate_present', rule: 'not_null', column: 'rate_to_usd', severity: 'fail' },
      { name: 'rate_positive', rule: 'sql', expression: 'rate_to_usd > 0', severity: 'fail' },
      { name: 'usd_is_one', rule: 'sql', expression: "currency <> 'USD' OR rate_to_usd = 1", severity: 'fail' },
      { name: 'rate_unique', rule: 'unique', columns: ['currency', 'date'], severity: 'drop' },
    ],
  },
};
