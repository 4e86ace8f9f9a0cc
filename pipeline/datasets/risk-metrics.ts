import type { DatasetDeclaration } from '../types';

/** Trailing window of daily returns used for VaR and drawdown (trading days, including the date). */
export const RISK_WINDOW_DAYS = 250;

/**
 * Two kinds of rows per date:
 * - entity_type 'symbol': historical VaR 95/99 (the loss not exceeded on 95/99% of days: minus the
 *   5%/1% quantile, linear interpolation, of daily simple returns) and the max drawdown of the
 *   close over the trailing window (a negative fraction, 0 when the close never fell);
 * - entity_type 'region': the day's transaction exposure in USD: gross = sum of |amount_usd|,
 *   net = credits minus debits, transfers and fees.
 */
export const riskMetrics: DatasetDeclaration = {
  name: 'risk_metrics',
  layer: 'gold',
  description: 'Historical VaR 95/99 and max drawdown per symbol over a trailing window; exposure per region.',
  schema: [
    { name: 'date', type: 'date', nullable: false },
    { name: 'entity_type', type: 'string', nullable: false },
    { name: 'entity', type: 'string', nullable: false },
    { name: 'region', type: 'string' },
    { name: 'observations', type: 'long' },
    { name: 'var_95', type: 'double' },
    { name: 'var_99', type: 'double' },
    { name: 'max_drawdown', type: 'double' },
    { name: 'gross_exposure_usd', type: 'double' },
    { name: 'net_exposure_usd', type: 'double' },
  ],
  keys: ['date', 'entity_type', 'entity'],
  partitionColumns: ['date'],
  reads: ['gold.daily_ohlcv', 'silver.transactions'],
  readSpecs: { 'gold.daily_ohlcv': { mode: 'history', days: RISK_WINDOW_DAYS * 2 } },
  transformSql: {
    gold: `
      WITH bars AS (
        SELECT symbol, date, close, region,
               row_number() OVER (PARTITION BY symbol ORDER BY date DESC) AS back
        FROM {{gold.daily_ohlcv}}
        WHERE date <= {{date}}
      ),
      win AS (
        SELECT symbol, date, close, region,
               close / lag(close) OVER (PARTITION BY symbol ORDER BY date) - 1 AS ret,
               close / max(close) OVER (PARTITION BY symbol ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - 1 AS dd
        FROM bars WHERE back <= ${RISK_WINDOW_DAYS}
      ),
      per_symbol AS (
        SELECT 'symbol' AS entity_type, symbol AS entity, arg_max(region, date) AS region,
               CAST(count(ret) AS BIGINT) AS observations,
               -quantile_cont(ret, 0.05) AS var_95, -quantile_cont(ret, 0.01) AS var_99,
               min(dd) AS max_drawdown,
               NULL::DOUBLE AS gross_exposure_usd, NULL::DOUBLE AS net_exposure_usd
        FROM win GROUP BY symbol
        HAVING max(date) = {{date}}
      ),
      per_region AS (
        SELECT 'region' AS entity_type, region AS entity, region,
               CAST(count(*) AS BIGINT) AS observations,
               NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE,
               CAST(sum(abs(CAST(amount_usd AS DECIMAL(38,10)))) AS DOUBLE) AS gross_exposure_usd,
               CAST(sum(CASE WHEN type = 'credit' THEN 1 ELSE -1 END * CAST(amount_usd AS DECIMAL(38,10))) AS DOUBLE) AS net_exposure_usd
        FROM {{silver.transactions}}
        GROUP BY region
      )
      SELECT {{date}} AS date, * FROM per_symbol
      UNION ALL
      SELECT {{date}} AS date, * FROM per_region`,
  },
  quality: {
    dataset: 'risk_metrics',
    expectations: [
      { name: 'var_99_not_below_var_95', rule: 'sql', expression: 'var_99 >= var_95 - 1e-12', severity: 'fail' },
      { name: 'drawdown_in_range', rule: 'between', column: 'max_drawdown', min: -1, max: 0, severity: 'fail' },
    ],
  },
};
