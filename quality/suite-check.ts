import type { DuckDBConnection } from '@duckdb/node-api';
import type { QualitySuite } from './types';

/**
 * Structural check of a suite against the batch columns (and reference view columns):
 * unknown rule, bad JS regex, missing column, unknown reference, min > max, empty in_set...
 * Throws SuiteError naming dataset, expectation and problem.
 */
export function checkSuite(
  _suite: QualitySuite,
  _columns: { name: string; type: string }[],
  _references?: Record<string, { name: string }[]>,
): void {
  throw new Error('checkSuite: not implemented yet');
}

/** checkSuite, plus what only DuckDB can judge: the regex compiles in RE2, each sql expression binds. */
export async function verifySuite(
  _conn: DuckDBConnection,
  _suite: QualitySuite,
  _columns: { name: string; type: string }[],
  _references?: Record<string, { name: string }[]>,
): Promise<void> {
  throw new Error('verifySuite: not implemented yet');
}
