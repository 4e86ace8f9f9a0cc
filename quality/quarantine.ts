/**
 * silver.quarantine: every row that did not make it to silver, as it arrived (`_raw`), with the
 * rules it failed and why. Writes replace an earlier write of the same (dataset, date, batch),
 * so a re-run never duplicates; replay releases rows that pass the current suite.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { evaluate } from './evaluate';
import type { TableDefinition, Warehouse } from '../lakehouse';
import { errText, lit } from './sql';
import { ensureTable, partitionPredicate } from './tables';
import { BATCH_RULES, type QualitySuite } from './types';

export const QUARANTINE_TABLE = 'silver.quarantine';

export function quarantineDefinition(): TableDefinition {
  return {
    description: 'Rows refused by a quality suite or unreadable at ingestion, kept as they arrived',
    fields: [
      { name: 'dataset', type: 'string', nullable: false },
      { name: 'date', type: 'date', nullable: false },
      { name: 'batch_id', type: 'string', nullable: false },
      { name: 'run_id', type: 'string' },
      { name: 'row_id', type: 'long' },
      { name: 'source', type: 'string' },
      { name: '_raw', type: 'string' },
      { name: 'rules', type: 'string' /* JSON array of expectation names */ },
      { name: 'messages', type: 'string' /* JSON array, parallel to rules */ },
      { name: 'quarantined_at', type: 'timestamp' },
    ],
    partitionColumns: ['dataset', 'date'],
  };
}

/**
 * Writes failuresView (`_row_id`, `_raw`, rules VARCHAR[], messages VARCHAR[], optional `_source`)
 * for (dataset, date, batchId), replacing rows an earlier write of the same batch left.
 * batchId must be deterministic for the input (e.g. 'silver' for a silver partition rewrite, or
 * the bronze `_batch_id`), so a retry or re-run replaces rather than adds. Returns rows written.
 */
export async function recordQuarantine(
  warehouse: Warehouse,
  conn: DuckDBConnection,
  args: { dataset: string; date: string; batchId: string; runId: string; failuresView: string; now?: Date },
): Promise<number> {
  const table = await ensureTable(warehouse, QUARANTINE_TABLE, quarantineDefinition());
  const where = `${partitionPredicate(args.dataset, args.date)} AND batch_id = ${lit(args.batchId)}`;
  const cols = new Set((await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${args.failuresView}`)).getRowObjectsJson().map((r) => String(r.column_name)));
  for (const c of ['_row_id', '_raw', 'rules', 'messages']) {
    if (!cols.has(c)) throw new Error(`recordQuarantine(${args.dataset}): ${args.failuresView} has no column ${c}`);
  }
  const n = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${args.failuresView}`)).getRowObjectsJson()[0]!.n);
  if (n === 0 && (await table.count(where)) === 0) return 0;
  const now = (args.now ?? new Date()).toISOString();
  const select = `SELECT ${lit(args.dataset)} AS dataset, DATE ${lit(args.date)} AS date, ${lit(args.batchId)} AS batch_id,
      ${lit(args.runId)} AS run_id, CAST(_row_id AS BIGINT) AS row_id,
      ${cols.has('_source') ? 'CAST(_source AS VARCHAR)' : 'CAST(NULL AS VARCHAR)'} AS source,
      CAST(_raw AS VARCHAR) AS _raw, CAST(to_json(rules) AS VARCHAR) AS rules, CAST(to_json(messages) AS VARCHAR) AS messages,
      TIMESTAMPTZ ${lit(now)} AS quarantined_at
    FROM ${args.failuresView}`;
  await table.write(select, {
    replaceWhere: where,
    conn,
    operation: 'QUARANTINE',
    operationParameters: { dataset: args.dataset, date: args.date, batchId: args.batchId, runId: args.runId },
  });
  return n;
}

export interface ReplayOptions {
  dataset: string;
  date: string;
  suite: QualitySuite;
  runId: string;
  /**
   * Types the quarantined records: given a view with `_row_id` BIGINT, `_raw` VARCHAR, `batch_id`,
   * `_orig_row_id` and `_source` (bronze's file:line or topic/partition/offset, to re-read the
   * bronze row), returns a batch view for evaluate() (the silver typing of the dataset), keeping
   * `_row_id` and `_raw`. Rows it leaves out stay in the quarantine.
   */
  prepare: (conn: DuckDBConnection, rawView: string) => Promise<string>;
  existingView?: string;
  referenceViews?: Record<string, string>;
  /**
   * Receives the rows that now pass, BEFORE they leave the quarantine. Append them to silver with
   * `txn` so a replay that crashed after the append and is run again appends once.
   */
  onPassed: (conn: DuckDBConnection, passedView: string, txn: { appId: string; version: number }) => Promise<void>;
  now?: Date;
}

export interface ReplayResult {
  examined: number;
  released: number;
  stillQuarantined: number;
  /** the quarantine version the replay read */
  readVersion?: number;
}

/**
 * Re-evaluates the quarantined rows of (dataset, date) with the current suite's row rules (batch
 * rules judge a whole delivery, not a replayed subset, so they are skipped); rows that pass every
 * drop and fail rule are handed to onPassed and then deleted from the quarantine.
 */
export async function replayQuarantine(warehouse: Warehouse, conn: DuckDBConnection, opts: ReplayOptions): Promise<ReplayResult> {
  const table = await warehouse.table(QUARANTINE_TABLE);
  if (!table) return { examined: 0, released: 0, stillQuarantined: 0 };
  const readVersion = await table.version();
  const tag = `q_replay_${Math.random().toString(36).slice(2, 10)}`;
  await table.registerView(conn, `${tag}_q`, { version: readVersion, predicate: partitionPredicate(opts.dataset, opts.date) });
  // Quarantined rows of several batches may share row ids: number them afresh, keep the origin.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${tag}_raw AS
     SELECT CAST(row_number() OVER (ORDER BY batch_id, row_id) AS BIGINT) AS _row_id, _raw, batch_id, row_id AS _orig_row_id, source AS _source
     FROM ${tag}_q WHERE dataset = ${lit(opts.dataset)} AND date = DATE ${lit(opts.date)}`,
  );
  const examined = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${tag}_raw`)).getRowObjectsJson()[0]!.n);
  if (examined === 0) return { examined: 0, released: 0, stillQuarantined: 0, readVersion };

  const batchView = await opts.prepare(conn, `${tag}_raw`);
  const suite: QualitySuite = { ...opts.suite, expectations: opts.suite.expectations.filter((e) => !BATCH_RULES.includes(e.rule)) };
  const result = await evaluate({
    conn,
    suite,
    batchView,
    rawView: `${tag}_raw`,
    existingView: opts.existingView,
    referenceViews: opts.referenceViews,
    now: opts.now ?? new Date(),
    viewPrefix: tag,
  });
  // evaluate's failures hold every row failing a drop or fail rule, so its passed view is exactly what may leave.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${tag}_released AS
     SELECT r.batch_id, r._orig_row_id FROM ${tag}_raw r SEMI JOIN ${result.passedView} p ON p._row_id = r._row_id`,
  );
  const released = (await conn.runAndReadAll(`SELECT batch_id, list(_orig_row_id ORDER BY _orig_row_id) AS ids FROM ${tag}_released GROUP BY batch_id ORDER BY batch_id`)).getRowObjectsJson() as {
    batch_id: string;
    ids: (string | number)[];
  }[];
  const releasedCount = released.reduce((s, b) => s + b.ids.length, 0);
  if (releasedCount === 0) return { examined, released: 0, stillQuarantined: examined, readVersion };

  const txn = { appId: `quarantine-replay/${opts.dataset}/${opts.date}`, version: readVersion };
  await opts.onPassed(conn, result.passedView, txn);
  const byBatch = released.map((b) => `(batch_id = ${lit(b.batch_id)} AND row_id IN (${b.ids.map((id) => String(Number(id))).join(', ')}))`);
  try {
    await table.delete(`${partitionPredicate(opts.dataset, opts.date)} AND (${byBatch.join(' OR ')})`, { txn });
  } catch (err) {
    throw new Error(`replayQuarantine(${opts.dataset}, ${opts.date}): rows were handed on but not removed from the quarantine; run the replay again: ${errText(err)}`);
  }
  return { examined, released: releasedCount, stillQuarantined: examined - releasedCount, readVersion };
}
