/**
 * silver.quality_metrics: one row per (run, dataset, date, expectation) so quality can be charted
 * over time, plus one '__rows__' row per run holding the invariant rows in = passed +
 * quarantined + duplicates. A re-run of the same run id replaces its rows.
 */
import type { TableDefinition, Warehouse } from '../lakehouse';
import type { ReportDataset, ReportRun } from './report';
import { lit } from './sql';
import { ensureTable, partitionPredicate } from './tables';
import type { ExpectationOutcome, Severity } from './types';

export const METRICS_TABLE = 'silver.quality_metrics';
/** The expectation name of the per-run totals row. */
export const TOTALS_EXPECTATION = '__rows__';

export function metricsDefinition(): TableDefinition {
  return {
    description: 'Per run, dataset, partition date and expectation: rows evaluated and failed, and the outcome',
    fields: [
      { name: 'run_id', type: 'string', nullable: false },
      { name: 'dataset', type: 'string', nullable: false },
      { name: 'date', type: 'date', nullable: false },
      { name: 'expectation', type: 'string', nullable: false },
      { name: 'ordinal', type: 'integer' /* position in the suite, for display order */ },
      { name: 'rule', type: 'string' },
      { name: 'severity', type: 'string' },
      { name: 'evaluated', type: 'long' },
      { name: 'failed', type: 'long' },
      { name: 'failure_fraction', type: 'double' },
      { name: 'outcome', type: 'string' },
      { name: 'message', type: 'string' },
      { name: 'sample', type: 'string' /* JSON array of up to 5 failing rows */ },
      { name: 'rows_in', type: 'long' },
      { name: 'rows_passed', type: 'long' },
      { name: 'rows_quarantined', type: 'long' },
      { name: 'rows_duplicates', type: 'long' },
      { name: 'recorded_at', type: 'timestamp' },
    ],
    partitionColumns: ['dataset', 'date'],
  };
}

export interface Totals {
  rowsIn: number;
  passed: number;
  quarantined: number;
  duplicates: number;
}

const num = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'NULL' : String(n));
const str = (s: string | undefined): string => (s === undefined ? 'NULL' : lit(s));

export async function recordMetrics(
  warehouse: Warehouse,
  args: { dataset: string; date: string; runId: string; outcomes: ExpectationOutcome[]; totals?: Totals; now?: Date },
): Promise<void> {
  const table = await ensureTable(warehouse, METRICS_TABLE, metricsDefinition());
  const t = args.totals;
  const rows: string[] = args.outcomes.map((o, i) =>
    [str(o.expectation), num(i), ...[o.rule, o.severity].map(str)].concat([num(o.evaluated), num(o.failed), num(o.failureFraction), str(o.outcome), str(o.message), str(JSON.stringify(o.sample))]).join(', '),
  );
  if (t) {
    const gap = t.rowsIn - (t.passed + t.quarantined + t.duplicates);
    rows.push(
      [
        str(TOTALS_EXPECTATION),
        num(args.outcomes.length),
        str('invariant'),
        str('fail' satisfies Severity),
        num(t.rowsIn),
        num(Math.abs(gap)),
        num(t.rowsIn > 0 ? Math.abs(gap) / t.rowsIn : 0),
        str(gap === 0 ? 'passed' : 'failed'),
        str(`rows in ${t.rowsIn} = passed ${t.passed} + quarantined ${t.quarantined} + duplicates ${t.duplicates}${gap === 0 ? '' : ` (off by ${gap})`}`),
        str('[]'),
      ].join(', '),
    );
  }
  const now = (args.now ?? new Date()).toISOString();
  const values = rows.length > 0 ? rows.map((r) => `(${r})`).join(',\n') : `(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;
  const select = `SELECT ${lit(args.runId)} AS run_id, ${lit(args.dataset)} AS dataset, DATE ${lit(args.date)} AS date,
      CAST(expectation AS VARCHAR) AS expectation, CAST(ordinal AS INTEGER) AS ordinal, CAST(rule AS VARCHAR) AS rule, CAST(severity AS VARCHAR) AS severity,
      CAST(evaluated AS BIGINT) AS evaluated, CAST(failed AS BIGINT) AS failed, CAST(failure_fraction AS DOUBLE) AS failure_fraction,
      CAST(outcome AS VARCHAR) AS outcome, CAST(message AS VARCHAR) AS message, CAST(sample AS VARCHAR) AS sample,
      CAST(${num(t?.rowsIn)} AS BIGINT) AS rows_in, CAST(${num(t?.passed)} AS BIGINT) AS rows_passed,
      CAST(${num(t?.quarantined)} AS BIGINT) AS rows_quarantined, CAST(${num(t?.duplicates)} AS BIGINT) AS rows_duplicates,
      TIMESTAMPTZ ${lit(now)} AS recorded_at
    FROM (VALUES ${values}) v(expectation, ordinal, rule, severity, evaluated, failed, failure_fraction, outcome, message, sample)
    ${rows.length > 0 ? '' : 'WHERE false'}`;
  await table.write(select, {
    replaceWhere: `${partitionPredicate(args.dataset, args.date)} AND run_id = ${lit(args.runId)}`,
    operation: 'QUALITY METRICS',
    operationParameters: { dataset: args.dataset, date: args.date, runId: args.runId },
  });
}

interface MetricRow {
  run_id: string;
  dataset: string;
  expectation: string;
  rule: string;
  severity: Severity;
  evaluated: number | string;
  failed: number | string;
  failure_fraction: number;
  outcome: ExpectationOutcome['outcome'];
  message: string | null;
  sample: string | null;
  rows_in: number | string | null;
  rows_passed: number | string | null;
  rows_quarantined: number | string | null;
  rows_duplicates: number | string | null;
  recorded_at: string;
}

/**
 * Rebuilds a report for a date from silver.quality_metrics: per dataset the rows of runId, or of
 * the dataset's most recent run that date.
 */
export async function loadReportRun(warehouse: Warehouse, args: { date: string; runId?: string }): Promise<ReportRun> {
  const table = await warehouse.table(METRICS_TABLE);
  if (!table) return { runId: args.runId ?? '(none)', date: args.date, datasets: [] };
  const predicate = `date = DATE '${args.date}'${args.runId ? ` AND run_id = ${lit(args.runId)}` : ''}`;
  const all = await table.query<MetricRow>(`SELECT * FROM {{table}} WHERE ${predicate} ORDER BY dataset, recorded_at, ordinal`, { predicate });
  // Per dataset, the run recorded last (rows arrive ordered by recorded_at).
  const latest = new Map<string, string>();
  for (const r of all) latest.set(r.dataset, r.run_id);
  const rows = all.filter((r) => latest.get(r.dataset) === r.run_id);
  const byDataset = new Map<string, MetricRow[]>();
  for (const r of rows) byDataset.set(r.dataset, [...(byDataset.get(r.dataset) ?? []), r]);
  const datasets: ReportDataset[] = [...byDataset.entries()].map(([dataset, rs]) => {
    const totals = rs.find((r) => r.expectation === TOTALS_EXPECTATION) ?? rs[0]!;
    return {
      dataset,
      rowsIn: Number(totals.rows_in ?? 0),
      passed: Number(totals.rows_passed ?? 0),
      quarantined: Number(totals.rows_quarantined ?? 0),
      duplicates: Number(totals.rows_duplicates ?? 0),
      outcomes: rs
        .filter((r) => r.expectation !== TOTALS_EXPECTATION)
        .map((r) => ({
          expectation: r.expectation,
          rule: r.rule,
          severity: r.severity,
          evaluated: Number(r.evaluated),
          failed: Number(r.failed),
          failureFraction: Number(r.failure_fraction),
          outcome: r.outcome,
          sample: r.sample ? (JSON.parse(r.sample) as Record<string, unknown>[]) : [],
          ...(r.message ? { message: r.message } : {}),
        })),
    };
  });
  const runIds = [...new Set(rows.map((r) => r.run_id))];
  return { runId: args.runId ?? (runIds.length === 1 ? runIds[0]! : runIds.join(', ') || '(none)'), date: args.date, datasets };
}
