/**
 * Test helpers for pipeline/: a fresh local warehouse + landing zone under the OS temp dir, an
 * Engine, and a TaskContext for runTask; plus a `run` shorthand.
 */
import path from 'node:path';
import { Warehouse, type Engine } from '../../lakehouse';
import { runTask, type TaskContext, type TaskResult } from '../../pipeline';
import { tempDir, testEngine } from './lakehouse';

export interface PipelineEnv {
  root: string;
  landing: string;
  engine: Engine;
  warehouse: Warehouse;
  ctx: TaskContext;
  heartbeats: unknown[];
  run: (taskId: string, date: string, runId?: string) => Promise<TaskResult>;
}

export async function pipelineEnv(opts: { kafka?: TaskContext['kafka'] } = {}): Promise<PipelineEnv> {
  const root = await tempDir('pipeline-');
  const landing = path.join(root, 'landing');
  const engine = await testEngine();
  const warehouse = await Warehouse.open(path.join(root, 'warehouse'), { engine });
  const heartbeats: unknown[] = [];
  const ctx: TaskContext = { warehouse, engine, landing, kafka: opts.kafka, heartbeat: (d) => heartbeats.push(d) };
  return {
    root,
    landing,
    engine,
    warehouse,
    ctx,
    heartbeats,
    run: (taskId, date, runId = 'test-run') => runTask(ctx, { taskId, date, runId }),
  };
}

/** Every task of the declarations for one date, in an order that respects reads. */
export const DAILY_ORDER = [
  'bronze.customers',
  'silver.customers',
  'bronze.fx_rates',
  'silver.fx_rates',
  'bronze.transactions',
  'silver.transactions',
  'bronze.market_ticks',
  'silver.market_ticks',
  'gold.daily_ohlcv',
  'gold.technical_indicators',
  'gold.risk_metrics',
  'gold.daily_transaction_summary',
  'gold.customer_daily_activity',
];
