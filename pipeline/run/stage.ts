/**
 * The DuckDB temp table a batch of raw records is staged in (Kafka through the appender, files
 * by DuckDB itself in stage-files.ts) and the one SELECT that turns a staged batch into bronze
 * rows, so files and Kafka write bronze the same way.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetDeclaration } from '../types';
import type { RawRecord } from './raw-records';
import { dateLiteral, ident, literal, trimSql } from './sql';

export interface StageMeta {
  /** lineage for a record: 'transactions/2024-01-02/part-0.csv:17', 'market.ticks/0/1234' */
  source: (r: RawRecord) => string;
  format: string;
  /** the date in the file's path, if any */
  fileDate?: string;
}

const META_COLUMNS = ['_raw VARCHAR', '_parse_error VARCHAR', '_source VARCHAR', '_line BIGINT', '_format VARCHAR', '_file_date VARCHAR'];

/** `withDate`: the stage also holds the business date `_date`, as staged file rows carry it (stage-files.ts). */
export async function createStage(conn: DuckDBConnection, name: string, decl: DatasetDeclaration, opts: { withDate?: boolean } = {}): Promise<void> {
  const cols = (decl.sourceFields ?? []).map((f) => `${ident(f.name)} VARCHAR`).concat(META_COLUMNS, opts.withDate ? ['_date DATE'] : []);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(name)} (${cols.join(', ')})`);
}

export async function appendToStage(conn: DuckDBConnection, name: string, decl: DatasetDeclaration, records: RawRecord[], meta: StageMeta): Promise<void> {
  const fields = (decl.sourceFields ?? []).map((f) => f.name);
  const appender = await conn.createAppender(name, 'main', 'temp');
  const text = (v: string | null | undefined) => (v === null || v === undefined ? appender.appendNull() : appender.appendVarchar(v));
  try {
    for (const r of records) {
      for (const f of fields) text(r.fields[f]);
      text(r.raw);
      text(r.parseError);
      text(meta.source(r));
      appender.appendBigInt(BigInt(r.line));
      text(meta.format);
      text(meta.fileDate);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** The date in a landing path ('transactions/2024-01-02/part-0.csv' -> '2024-01-02'). */
export function dateInPath(path: string): string | undefined {
  const m = /(\d{4}-\d{2}-\d{2})/.exec(path);
  return m && !Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`)) ? m[1] : undefined;
}

/**
 * The business date of a raw row: the UTC date of `dateFrom` when it parses, else the file's
 * date, else the ingest date. Silver selects its batch by this column.
 */
export function businessDateSql(decl: DatasetDeclaration, ingestDate: string): string {
  const fromField = decl.dateFrom ? `CAST(TRY_CAST(${trimSql(ident(decl.dateFrom))} AS TIMESTAMPTZ) AS DATE)` : 'NULL::DATE';
  return `coalesce(${fromField}, TRY_CAST(_file_date AS DATE), ${dateLiteral(ingestDate)})`;
}

/**
 * SELECT of bronze rows from a staged batch `from` (a quoted table name or a parenthesised SELECT;
 * the connection's TimeZone must be UTC); `stagedDate`: take `_date` from it instead of deriving it again.
 */
export function bronzeSelect(decl: DatasetDeclaration, from: string, batchId: string, ingestedAt: Date, opts: { stagedDate?: boolean } = {}): string {
  const ingestDate = ingestedAt.toISOString().slice(0, 10);
  const fields = (decl.sourceFields ?? []).map((f) => ident(f.name));
  return `SELECT ${[...fields, '_raw', '_parse_error', '_source', '_line', '_format'].join(', ')},
      ${literal(batchId)} AS _batch_id,
      CAST(${literal(ingestedAt.toISOString())} AS TIMESTAMPTZ) AS _ingested_at,
      ${opts.stagedDate ? '_date' : businessDateSql(decl, ingestDate)} AS _date,
      ${dateLiteral(ingestDate)} AS _ingest_date
    FROM ${from}`;
}

/** Rows per business date in a staged batch: which silver partitions a commit feeds (late rows show up as earlier dates). */
export async function stagedDates(conn: DuckDBConnection, stage: string, decl: DatasetDeclaration, ingestedAt: Date): Promise<Record<string, number>> {
  const r = await conn.runAndReadAll(
    `SELECT CAST(${businessDateSql(decl, ingestedAt.toISOString().slice(0, 10))} AS VARCHAR) AS d, count(*) AS n FROM ${ident(stage)} GROUP BY d ORDER BY d`,
  );
  return Object.fromEntries(r.getRowObjectsJS().map((row) => [String(row.d), Number(row.n)]));
}

export function addCounts(into: Record<string, number>, more: Record<string, number>): void {
  for (const [k, n] of Object.entries(more)) into[k] = (into[k] ?? 0) + n;
}
