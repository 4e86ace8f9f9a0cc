/**
 * The run ledger, Delta table ops.runs: one row per task per dailyPipeline run. replayFailed
 * reads the latest outcome of each (date, task) from it. Appends carry a txn keyed by the
 * workflow run, so a retried recordRun commits once.
 */
import type { TableDefinition, Warehouse } from '../lakehouse';
import { sharedContext } from './context';
import type { FailedTasks, RunRecord } from './types';

export const RUNS_TABLE = 'ops.runs';

export function runsDefinition(): TableDefinition {
  return {
    description: 'FinanceLake run ledger: the outcome of every task of every dailyPipeline run',
    partitionColumns: ['date'],
    fields: [
      { name: 'date', type: 'date', nullable: false },
      { name: 'task_id', type: 'string', nullable: false },
      { name: 'dataset', type: 'string', nullable: false },
      { name: 'layer', type: 'string', nullable: false },
      { name: 'state', type: 'string', nullable: false },
      { name: 'rows_in', type: 'long' },
      { name: 'rows_out', type: 'long' },
      { name: 'quarantined', type: 'long' },
      { name: 'duplicates', type: 'long' },
      { name: 'invariant_ok', type: 'boolean' },
      { name: 'duration_ms', type: 'long' },
      { name: 'error', type: 'string' },
      { name: 'workflow_id', type: 'string', nullable: false },
      { name: 'run_id', type: 'string', nullable: false },
      { name: 'recorded_at', type: 'timestamp', nullable: false },
    ],
  };
}

/** A SQL literal; strings are quoted with '' doubled, so any error text is safe to embed. */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'NULL';
    return String(Math.trunc(v));
  }
  return `'${String(v).replace(/'/g, "''")}'`;
}

/** The rows of a run as a DuckDB SELECT yielding ops.runs' columns in order. */
export function runRowsQuery(record: RunRecord, recordedAt: Date): string {
  const rows = record.tasks.map((t) =>
    [
      `DATE ${sqlLiteral(record.date)}`,
      sqlLiteral(t.taskId),
      sqlLiteral(t.dataset),
      sqlLiteral(t.layer),
      sqlLiteral(t.state),
      `CAST(${sqlLiteral(t.rowsIn)} AS BIGINT)`,
      `CAST(${sqlLiteral(t.rowsOut)} AS BIGINT)`,
      `CAST(${sqlLiteral(t.quarantined)} AS BIGINT)`,
      `CAST(${sqlLiteral(t.duplicates)} AS BIGINT)`,
      `CAST(${sqlLiteral(t.invariantOk)} AS BOOLEAN)`,
      `CAST(${sqlLiteral(t.durationMs)} AS BIGINT)`,
      `CAST(${sqlLiteral(t.error)} AS VARCHAR)`,
      sqlLiteral(record.workflowId),
      sqlLiteral(record.runId),
      `TIMESTAMP ${sqlLiteral(recordedAt.toISOString().replace('T', ' ').replace('Z', ''))}`,
    ].join(', '),
  );
  const cols = runsDefinition().fields.map((f) => f.name).join(', ');
  return `SELECT * FROM (VALUES (${rows.join('), (')})) AS t(${cols})`;
}

async function runsTable(warehouse: Warehouse) {
  return (await warehouse.table(RUNS_TABLE)) ?? (await warehouse.createTable(RUNS_TABLE, runsDefinition(), { ifNotExists: true }));
}

export async function recordRunIn(warehouse: Warehouse, record: RunRecord, now = new Date()): Promise<void> {
  if (!record.tasks.length) return;
  const table = await runsTable(warehouse);
  await table.write(runRowsQuery(record, now), {
    mode: 'append',
    txn: { appId: `ops.runs/${record.workflowId}/${record.runId}`, version: 1 },
    operation: 'WRITE',
    operationParameters: { workflowId: record.workflowId, runId: record.runId, date: record.date },
  });
}

export async function findFailedIn(warehouse: Warehouse, from: string, to: string): Promise<FailedTasks[]> {
  const table = await warehouse.table(RUNS_TABLE);
  if (!table) return [];
  const rows = await table.query<{ date: string; task_id: string }>(
    `SELECT CAST(date AS VARCHAR) AS date, task_id FROM (
       SELECT date, task_id, state,
              row_number() OVER (PARTITION BY date, task_id ORDER BY recorded_at DESC, run_id DESC) AS rn
       FROM {{table}} WHERE date BETWEEN DATE ${sqlLiteral(from)} AND DATE ${sqlLiteral(to)}
     ) WHERE rn = 1 AND state IN ('failed', 'skipped')
     ORDER BY date, task_id`,
    { predicate: `date >= '${from}' AND date <= '${to}'` },
  );
  const byDate = new Map<string, string[]>();
  for (const r of rows) (byDate.get(r.date) ?? byDate.set(r.date, []).get(r.date)!).push(r.task_id);
  return [...byDate].map(([date, tasks]) => ({ date, tasks }));
}

export async function recordRun(record: RunRecord): Promise<void> {
  const { warehouse } = await sharedContext();
  await recordRunIn(warehouse, record);
}

export async function findFailed(input: { from: string; to: string }): Promise<FailedTasks[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.from) || !/^\d{4}-\d{2}-\d{2}$/.test(input.to)) {
    throw new TypeError(`findFailed: from/to must be YYYY-MM-DD, got ${JSON.stringify(input)}`);
  }
  const { warehouse } = await sharedContext();
  return findFailedIn(warehouse, input.from, input.to);
}
