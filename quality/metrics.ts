import type { QTableDefinition, QWarehouse } from './lakehouse-port';
import type { ReportRun } from './report';
import type { ExpectationOutcome } from './types';

export const METRICS_TABLE = 'silver.quality_metrics';

export function metricsDefinition(): QTableDefinition {
  throw new Error('metricsDefinition: not implemented yet');
}

/** One row per expectation (plus the run's invariant) for (runId, dataset, date); a re-run of the same run replaces its rows. */
export async function recordMetrics(
  _warehouse: QWarehouse,
  _args: {
    dataset: string;
    date: string;
    runId: string;
    outcomes: ExpectationOutcome[];
    totals?: { rowsIn: number; passed: number; quarantined: number; duplicates: number };
    now?: Date;
  },
): Promise<void> {
  throw new Error('recordMetrics: not implemented yet');
}

/** Rebuilds a report run for a date (latest run per dataset unless runId is given) from silver.quality_metrics. */
export async function loadReportRun(_warehouse: QWarehouse, _args: { date: string; runId?: string }): Promise<ReportRun> {
  throw new Error('loadReportRun: not implemented yet');
}
