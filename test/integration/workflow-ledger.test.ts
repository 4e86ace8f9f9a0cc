/** The run ledger (ops.runs) on a real Delta table on local disk: what replayFailed reads. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { Engine, Warehouse } from '../../lakehouse';
import { RUNS_TABLE, findFailedIn, recordRunIn } from '../../activities/ledger';
import type { RunRecord, TaskSummary } from '../../activities/types';

let engine: Engine;
let warehouse: Warehouse;
let dir: string;

beforeAll(async () => {
  const config = loadConfig();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-ledger-'));
  engine = await Engine.create({ threads: 1, memoryLimit: '256MB', extensionDirectory: config.duckdb.extensionDirectory });
  warehouse = await Warehouse.open(dir, { engine });
});

afterAll(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const task = (taskId: string, state: TaskSummary['state'], error?: string): TaskSummary => {
  const [layer, dataset] = taskId.split('.') as [TaskSummary['layer'], string];
  return { taskId, dataset, layer, state, rowsIn: 5, rowsOut: 4, quarantined: 1, duplicates: 0, durationMs: 12, ...(error ? { error } : {}) };
};

describe('ops.runs', () => {
  it('records runs once per run id and reports the latest failed or skipped tasks per date', async () => {
    const first: RunRecord = {
      workflowId: 'financelake/daily/2024-01-02',
      runId: 'run-1',
      date: '2024-01-02',
      tasks: [task('bronze.customers', 'succeeded'), task('silver.customers', 'failed', "QualityFailure: it's broken"), task('silver.transactions', 'skipped')],
    };
    await recordRunIn(warehouse, first, new Date('2024-01-03T02:00:00Z'));
    await recordRunIn(warehouse, first, new Date('2024-01-03T02:00:01Z')); // a retried activity: txn makes it a no-op
    const t = (await warehouse.table(RUNS_TABLE))!;
    expect(await t.count()).toBe(3);
    await recordRunIn(warehouse, { workflowId: 'financelake/daily/2024-01-03', runId: 'run-2', date: '2024-01-03', tasks: [task('gold.daily_ohlcv', 'failed', 'boom')] });

    expect(await findFailedIn(warehouse, '2024-01-01', '2024-01-31')).toEqual([
      { date: '2024-01-02', tasks: ['silver.customers', 'silver.transactions'] },
      { date: '2024-01-03', tasks: ['gold.daily_ohlcv'] },
    ]);
    expect(await findFailedIn(warehouse, '2024-01-03', '2024-01-03')).toEqual([{ date: '2024-01-03', tasks: ['gold.daily_ohlcv'] }]);

    // a replay that succeeded supersedes the failure
    await recordRunIn(
      warehouse,
      { workflowId: 'financelake/daily/2024-01-02', runId: 'run-3', date: '2024-01-02', tasks: [task('silver.customers', 'succeeded'), task('silver.transactions', 'succeeded')] },
      new Date('2024-01-03T05:00:00Z'),
    );
    expect(await findFailedIn(warehouse, '2024-01-01', '2024-01-31')).toEqual([{ date: '2024-01-03', tasks: ['gold.daily_ohlcv'] }]);
    const rows = await t.query<{ error: string }>("SELECT error FROM {{table}} WHERE task_id = 'silver.customers' AND state = 'failed'");
    expect(rows[0]!.error).toBe("QualityFailure: it's broken");
  });
});
