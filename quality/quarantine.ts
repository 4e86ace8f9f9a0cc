import type { DuckDBConnection } from '@duckdb/node-api';
import type { QTableDefinition, QWarehouse } from './lakehouse-port';
import type { QualitySuite } from './types';

export const QUARANTINE_TABLE = 'silver.quarantine';

export function quarantineDefinition(): QTableDefinition {
  throw new Error('quarantineDefinition: not implemented yet');
}

/** Writes the failuresView rows for (dataset, date, batchId), replacing that batch's earlier rows: a re-run stays exact. Returns rows written. */
export async function recordQuarantine(
  _warehouse: QWarehouse,
  _conn: DuckDBConnection,
  _args: { dataset: string; date: string; batchId: string; runId: string; failuresView: string; now?: Date },
): Promise<number> {
  throw new Error('recordQuarantine: not implemented yet');
}

export interface ReplayOptions {
  dataset: string;
  date: string;
  suite: QualitySuite;
  runId: string;
  /** types the quarantined raw records: given a view (`_row_id` BIGINT, `_raw` VARCHAR), returns a batch view for evaluate() */
  prepare: (conn: DuckDBConnection, rawView: string) => Promise<string>;
  existingView?: string;
  referenceViews?: Record<string, string>;
  /**
   * Receives the rows that now pass, BEFORE they leave the quarantine; append them to silver with
   * txn { appId: replayId, version: replayVersion } so a crashed-and-retried replay appends once.
   */
  onPassed: (conn: DuckDBConnection, passedView: string, txn: { appId: string; version: number }) => Promise<void>;
  now?: Date;
}

export interface ReplayResult {
  examined: number;
  released: number;
  stillQuarantined: number;
  quarantineVersion?: number;
}

/** Re-evaluates quarantined rows of (dataset, date) with the current suite; rows that pass are handed to onPassed and removed from the quarantine. */
export async function replayQuarantine(_warehouse: QWarehouse, _conn: DuckDBConnection, _opts: ReplayOptions): Promise<ReplayResult> {
  throw new Error('replayQuarantine: not implemented yet');
}
