/**
 * The shape of a quality suite and of its evaluation results. Pure data, no I/O: pipeline/
 * declares suites with these types next to each dataset.
 */

/** warn: row kept, failure counted. drop: row to quarantine. fail: the partition stops (non-retryable). */
export type Severity = 'warn' | 'drop' | 'fail';

export type PairOp = '<' | '<=' | '=' | '>=' | '>' | '<>';

export type Expectation =
  | { name: string; rule: 'not_null'; column: string; severity: Severity; /** '' (after trim) counts as NULL */ treatEmptyAsNull?: boolean }
  /** within the batch (all but the first occurrence by `_row_id` fail) and against existing silver rows */
  | { name: string; rule: 'unique'; columns: string[]; severity: Severity }
  | { name: string; rule: 'between'; column: string; min?: number | string; max?: number | string; severity: Severity }
  | { name: string; rule: 'in_set'; column: string; values: (string | number)[]; severity: Severity }
  | { name: string; rule: 'match_regex'; column: string; pattern: string; severity: Severity }
  | { name: string; rule: 'foreign_key'; column: string; reference: string /* e.g. 'silver.customers' */; referenceColumn: string; severity: Severity }
  | { name: string; rule: 'row_count_between'; min?: number; max?: number; severity: Severity }
  | { name: string; rule: 'freshness'; column: string; maxAgeHours: number; severity: Severity }
  | { name: string; rule: 'column_pair'; left: string; op: PairOp; right: string; severity: Severity }
  /** a boolean DuckDB expression over the batch columns; true = pass, NULL = pass */
  | { name: string; rule: 'sql'; expression: string; severity: Severity };

export type Rule = Expectation['rule'];

export const RULES: readonly Rule[] = [
  'not_null',
  'unique',
  'between',
  'in_set',
  'match_regex',
  'foreign_key',
  'row_count_between',
  'freshness',
  'column_pair',
  'sql',
];

/** Rules judged once for the whole batch rather than per row. */
export const BATCH_RULES: readonly Rule[] = ['row_count_between', 'freshness'];

export interface QualitySuite {
  dataset: string;
  /** JSON Schema (draft 2020-12 / 07 via ajv, formats on) for raw JSON records, checked before typing. */
  jsonSchema?: object;
  expectations: Expectation[];
}

export interface ExpectationOutcome {
  expectation: string;
  rule: string;
  severity: Severity;
  /** rows the rule was evaluated on (batch rules: the batch size) */
  evaluated: number;
  /** failing rows (batch rules: all rows of the batch when it fails, else 0) */
  failed: number;
  failureFraction: number;
  outcome: 'passed' | 'warned' | 'dropped' | 'failed';
  /** up to 5 failing rows (the typed columns, plus `_row_id`), or for batch rules one row describing the observation */
  sample: Record<string, unknown>[];
  /** row rules: what the expectation asks ("expects amount between 0.01 and 50000000");
   *  batch rules that failed: what was observed */
  message?: string;
}

/** Thrown when a suite is itself malformed; names the dataset, the expectation and the problem. */
export class SuiteError extends Error {
  constructor(
    readonly dataset: string,
    readonly expectation: string | undefined,
    readonly problem: string,
  ) {
    super(`quality suite for dataset '${dataset}'${expectation ? `, expectation '${expectation}'` : ''}: ${problem}`);
    this.name = 'SuiteError';
  }
}
