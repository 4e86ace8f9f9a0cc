import type { DuckDBConnection } from '@duckdb/node-api';
import type { ExpectationOutcome, QualitySuite } from './types';

export interface EvaluateInput {
  conn: DuckDBConnection;
  suite: QualitySuite;
  /** typed rows + `_row_id` BIGINT unique + `_raw` VARCHAR original record */
  batchView: string;
  /** current silver rows, for 'unique' against what is already stored */
  existingView?: string;
  /** 'silver.customers' -> view name */
  referenceViews?: Record<string, string>;
  now: Date;
  /** prefix for the temp views created (default: q_<random>) */
  viewPrefix?: string;
}

export interface EvaluateResult {
  /** rows kept (warn failures included), the batch view's columns */
  passedView: string;
  /** dropped rows: `_row_id`, `_raw`, rules VARCHAR[] (failed drop/warn rule names), messages VARCHAR[] */
  failuresView: string;
  passed: number;
  dropped: number;
  outcomes: ExpectationOutcome[];
  /** severity 'fail' expectations that failed: the caller throws a non-retryable error */
  fatal: ExpectationOutcome[];
}

export async function evaluate(_input: EvaluateInput): Promise<EvaluateResult> {
  throw new Error('evaluate: not implemented yet');
}
