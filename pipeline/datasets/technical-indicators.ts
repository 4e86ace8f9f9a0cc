import type { DatasetDeclaration } from '../types';

/**
 * Indicators per symbol, computed over the daily closes up to the date and written for the date.
 * EMA_n = a*close_n + (1-a)*EMA_{n-1}, a = 2/(span+1), seeded with the first close; MACD = EMA12 - EMA26,
 * signal = EMA9 of MACD; RSI 14 with Wilder's smoothing seeded by the first change (NULL before 14
 * changes); SMA/volatility NULL until the window is full; volatility_20 = sample stddev of the last
 * 20 daily log returns, annualised by sqrt(252).
 */
export const technicalIndicators: DatasetDeclaration = {
  name: 'technical_indicators',
  layer: 'gold',
  description: 'SMA 20/50, EMA 12/26, MACD + signal, RSI 14 and 20-day volatility per symbol and day.',
  schema: [
    { name: 'date', type: 'date', nullable: false },
    { name: 'symbol', type: 'string', nullable: false },
    { name: 'close', type: 'double' },
    { name: 'observations', type: 'long' },
    { name: 'sma_20', type: 'double' },
    { name: 'sma_50', type: 'double' },
    { name: 'ema_12', type: 'double' },
    { name: 'ema_26', type: 'double' },
    { name: 'macd', type: 'double' },
    { name: 'macd_signal', type: 'double' },
    { name: 'rsi_14', type: 'double' },
    { name: 'volatility_20', type: 'double' },
  ],
  keys: ['date', 'symbol'],
  partitionColumns: ['date'],
  reads: ['gold.daily_ohlcv'],
  readSpecs: { 'gold.daily_ohlcv': { mode: 'history' } },
  transformSql: {
    gold: `
      WITH RECURSIVE h AS (
        SELECT symbol, date, close,
               row_number() OVER (PARTITION BY symbol ORDER BY date) AS rn,
               close - lag(close) OVER (PARTITION BY symbol ORDER BY date) AS chg,
               ln(close / lag(close) OVER (PARTITION BY symbol ORDER BY date)) AS log_ret
        FROM {{gold.daily_ohlcv}}
        WHERE date <= {{date}}
      ),
      e AS (
        SELECT symbol, rn, close AS ema_12, close AS ema_26, 0.0::DOUBLE AS macd_signal,
               NULL::DOUBLE AS avg_gain, NULL::DOUBLE AS avg_loss
        FROM h WHERE rn = 1
        UNION ALL
        SELECT h.symbol, h.rn,
               (2.0 / 13) * h.close + (11.0 / 13) * e.ema_12,
               (2.0 / 27) * h.close + (25.0 / 27) * e.ema_26,
               (2.0 / 10) * (((2.0 / 13) * h.close + (11.0 / 13) * e.ema_12) - ((2.0 / 27) * h.close + (25.0 / 27) * e.ema_26))
                 + (8.0 / 10) * e.macd_signal,
               CASE WHEN e.avg_gain IS NULL THEN greatest(h.chg, 0) ELSE (e.avg_gain * 13 + greatest(h.chg, 0)) / 14 END,
               CASE WHEN e.avg_loss IS NULL THEN greatest(-h.chg, 0) ELSE (e.avg_loss * 13 + greatest(-h.chg, 0)) / 14 END
        FROM e JOIN h ON h.symbol = e.symbol AND h.rn = e.rn + 1
      ),
      w AS (
        SELECT h.symbol, h.date, h.close, h.rn,
               avg(h.close) OVER (PARTITION BY h.symbol ORDER BY h.date ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) AS sma_20,
               avg(h.close) OVER (PARTITION BY h.symbol ORDER BY h.date ROWS BETWEEN 49 PRECEDING AND CURRENT ROW) AS sma_50,
               stddev_samp(h.log_ret) OVER (PARTITION BY h.symbol ORDER BY h.date ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) AS sd_20,
               count(h.log_ret) OVER (PARTITION BY h.symbol ORDER BY h.date ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) AS n_ret_20
        FROM h
      )
      SELECT w.date, w.symbol, w.close, CAST(w.rn AS BIGINT) AS observations,
             CASE WHEN w.rn >= 20 THEN w.sma_20 END AS sma_20,
             CASE WHEN w.rn >= 50 THEN w.sma_50 END AS sma_50,
             e.ema_12, e.ema_26, e.ema_12 - e.ema_26 AS macd,
             CASE WHEN w.rn = 1 THEN 0.0 ELSE e.macd_signal END AS macd_signal,
             CASE WHEN w.rn <= 14 THEN NULL
                  WHEN e.avg_loss = 0 AND e.avg_gain = 0 THEN 50.0
                  WHEN e.avg_loss = 0 THEN 100.0
                  ELSE 100 - 100 / (1 + e.avg_gain / e.avg_loss) END AS rsi_14,
             CASE WHEN w.n_ret_20 >= 20 THEN w.sd_20 * sqrt(252) END AS volatility_20
      FROM w JOIN e ON e.symbol = w.symbol AND e.rn = w.rn
      WHERE w.date = {{date}}`,
  },
  quality: {
    dataset: 'technical_indicators',
    expectations: [{ name: 'rsi_in_range', rule: 'between', column: 'rsi_14', min: 0, max: 100, severity: 'fail' }],
  },
};
