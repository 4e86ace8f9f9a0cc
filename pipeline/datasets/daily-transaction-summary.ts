import type { DatasetDeclaration } from '../types';

/** Per date, region, type and currency: count, sum, mean and percentiles (linear interpolation) of amount. */
export const dailyTransactionSummary: DatasetDeclaration = {
  name: 'daily_transaction_summary',
  layer: 'gold',
  description: 'Transaction amounts per date, region, type and currency: count, sum, mean, p50, p95 (quantile_cont), and the USD total.',
  schema: [
    { name: 'date', type: 'date', nullable: false },
    { name: 'region', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'currency', type: 'string' },
    { name: 'txn_count', type: 'long' },
    { name: 'amount_sum', type: 'decimal(38,2)' },
    { name: 'amount_mean', type: 'double' },
    { name: 'amount_p50', type: 'double' },
    { name: 'amount_p95', type: 'double' },
    { name: 'amount_usd_sum', type: 'double' },
  ],
  keys: ['date', 'region', 'type', 'currency'],
  partitionColumns: ['date'],
  reads: ['silver.transactions'],
  // sums through DECIMAL: exact, so a re-run gives the same bits whatever the thread order
  transformSql: {
    gold: `
      SELECT {{date}} AS date, region, type, currency,
             CAST(count(*) AS BIGINT) AS txn_count,
             CAST(sum(amount) AS DECIMAL(38,2)) AS amount_sum,
             CAST(avg(amount) AS DOUBLE) AS amount_mean,
             quantile_cont(CAST(amount AS DOUBLE), 0.5) AS amount_p50,
             quantile_cont(CAST(amount AS DOUBLE), 0.95) AS amount_p95,
             CAST(sum(CAST(amount_usd AS DECIMAL(38,10))) AS DOUBLE) AS amount_usd_sum
      FROM {{silver.transactions}}
      GROUP BY region, type, currency`,
  },
};
