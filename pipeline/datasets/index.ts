/**
 * Every dataset declaration. Adding a dataset = one declaration file in this folder and its line
 * here (an explicit list rather than a directory scan, so workflow bundles can import it).
 */
import type { DatasetDeclaration } from '../types';
import { customerDailyActivity } from './customer-daily-activity';
import { customers } from './customers';
import { dailyOhlcv } from './daily-ohlcv';
import { dailyTransactionSummary } from './daily-transaction-summary';
import { fxRates } from './fx-rates';
import { marketTicks } from './market-ticks';
import { riskMetrics } from './risk-metrics';
import { technicalIndicators } from './technical-indicators';
import { transactions } from './transactions';

export const DECLARATIONS: readonly DatasetDeclaration[] = [
  customers,
  fxRates,
  transactions,
  marketTicks,
  dailyOhlcv,
  technicalIndicators,
  riskMetrics,
  dailyTransactionSummary,
  customerDailyActivity,
];
