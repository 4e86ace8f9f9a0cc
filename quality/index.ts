/**
 * quality/: expectation suites (ajv JSON Schema + rules) checked at startup, evaluated in DuckDB
 * over a batch, with the quarantine and metrics Delta tables and an HTML report.
 * See docs/quality.md for the semantics (severities, NULL handling, the invariant).
 */
export * from './types';
export { checkSuite, verifySuite } from './suite-check';
export { evaluate, describeExpectation } from './evaluate';
export type { EvaluateInput, EvaluateResult } from './evaluate';
export { validateJsonRecords, jsonValidator, renderAjvError } from './json-schema';
export {
  QUARANTINE_TABLE,
  quarantineDefinition,
  recordQuarantine,
  replayQuarantine,
} from './quarantine';
export type { ReplayOptions, ReplayResult } from './quarantine';
export { METRICS_TABLE, TOTALS_EXPECTATION, metricsDefinition, recordMetrics, loadReportRun } from './metrics';
export type { Totals } from './metrics';
export { renderReport, writeReport, escapeHtml, invariantHolds } from './report';
export type { ReportRun, ReportDataset } from './report';
