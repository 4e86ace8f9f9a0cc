import type { DatasetDeclaration } from '../types';

/** One row per customer active on the date: flows in USD by direction, with the customer's attributes. */
export const customerDailyActivity: DatasetDeclaration = {
  name: 'customer_daily_activity',
  layer: 'gold',
  description: 'Per customer and day: transaction count, credits, debits (debit+transfer+fee) and net flow in USD, counterparties.',
  schema: [
    { name: 'date', type: 'date', nullable: false },
    { name: 'customer_id', type: 'string', nullable: false },
    { name: 'customer_name', type: 'string' },
    { name: 'segment', type: 'string' },
    { name: 'risk_rating', type: 'string' },
    { name: 'home_region', type: 'string' },
    { name: 'txn_count', type: 'long' },
    { name: 'credits_usd', type: 'double' },
    { name: 'debits_usd', type: 'double' },
    { name: 'net_usd', type: 'double' },
    { name: 'largest_usd', type: 'double' },
    { name: 'counterparties', type: 'long' },
    { name: 'regions', type: 'long' },
  ],
  keys: ['date', 'customer_id'],
  partitionColumns: ['date'],
  zorderColumns: ['customer_id'],
  reads: ['silver.transactions', 'silver.customers'],
  readSpecs: { 'silver.customers': { mode: 'asof' } },
  // USD sums through DECIMAL: exact, so a re-run gives the same bits whatever the thread order
  transformSql: {
    gold: `
      SELECT {{date}} AS date, t.customer_id, c.name AS customer_name, c.segment, c.risk_rating, c.region AS home_region,
             CAST(count(*) AS BIGINT) AS txn_count,
             CAST(coalesce(sum(u.usd) FILTER (WHERE t.type = 'credit'), 0) AS DOUBLE) AS credits_usd,
             CAST(coalesce(sum(u.usd) FILTER (WHERE t.type <> 'credit'), 0) AS DOUBLE) AS debits_usd,
             CAST(coalesce(sum(CASE WHEN t.type = 'credit' THEN u.usd ELSE -u.usd END), 0) AS DOUBLE) AS net_usd,
             max(t.amount_usd) AS largest_usd,
             CAST(count(DISTINCT t.counterparty) AS BIGINT) AS counterparties,
             CAST(count(DISTINCT t.region) AS BIGINT) AS regions
      FROM {{silver.transactions}} t
      CROSS JOIN LATERAL (SELECT CAST(t.amount_usd AS DECIMAL(38,10)) AS usd) u
      LEFT JOIN {{silver.customers}} c ON c.customer_id = t.customer_id
      GROUP BY t.customer_id, c.name, c.segment, c.risk_rating, c.region`,
  },
};
