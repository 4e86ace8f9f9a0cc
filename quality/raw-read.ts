import type { DuckDBConnection } from '@duckdb/node-api';

export type RawFormat = 'csv' | 'jsonl' | 'parquet';

/** A file that cannot be read at all (truncated Parquet, undecodable bytes...); names the file. */
export class RawFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read ${path}: ${reason}`);
    this.name = 'RawFileError';
  }
}

/**
 * Reads one landing file the way bronze does: every column VARCHAR, plus `_line` (1-based
 * record number) and `_raw` (the record as JSON text), into a temp view; returns the row count.
 */
export async function readRawFile(
  _conn: DuckDBConnection,
  _path: string,
  _format: RawFormat,
  _viewName: string,
): Promise<{ rows: number; columns: string[] }> {
  throw new Error('readRawFile: not implemented yet');
}
