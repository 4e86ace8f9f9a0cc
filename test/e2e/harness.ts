/**
 * End-to-end harness: a private warehouse and landing zone on local disk, a private task
 * queue on the stack's Temporal dev server (brought up by test/global-setup.ts), real
 * activities, and workers either in this process or as child processes (to kill -9 them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../../config/env';
import { Engine, Warehouse } from '../../lakehouse';
import { datasets } from '../../pipeline';
import { dailyWorkflowId, partitionWorkflowId } from '../../workflows/ids';
import { realWorkerParts } from '../../workers/real';
import { createWorker } from '../../workers/worker';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface E2eSpace {
  dir: string;
  env: Record<string, string | undefined>;
  config: Config;
  cleanup(): void;
}

export function e2eSpace(name: string, extraEnv: Record<string, string> = {}): E2eSpace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fl-e2e-${name}-`));
  const env = {
    ...process.env,
    FINANCELAKE_WAREHOUSE: path.join(dir, 'warehouse'),
    FINANCELAKE_LANDING: path.join(dir, 'landing'),
    TEMPORAL_TASK_QUEUE: `e2e-${name}-${process.pid}-${Date.now().toString(36)}`,
    DUCKDB_THREADS: '1',
    DUCKDB_MEMORY_LIMIT: '512MB',
    ...extraEnv,
  };
  fs.mkdirSync(env.FINANCELAKE_LANDING!, { recursive: true });
  return { dir, env, config: loadConfig(env), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function quietTemporal(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process
  }
}

export async function temporalClient(config: Config): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return { client: new Client({ connection, namespace: config.temporal.namespace }), close: () => connection.close() };
}

/** A second Engine on the same warehouse folder, for the test's own reads. */
export async function openWarehouse(config: Config): Promise<{ engine: Engine; warehouse: Warehouse }> {
  const engine = await Engine.create({ threads: 1, memoryLimit: '256MB', extensionDirectory: config.duckdb.extensionDirectory });
  return { engine, warehouse: await Warehouse.open(config.warehouse, { engine }) };
}

/** `tsx workers/main.ts` as one node process (node --import tsx), so SIGKILL hits the worker itself. */
export function spawnWorker(env: Record<string, string | undefined>, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers', 'main.ts')], { cwd: ROOT, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * The dev server keeps runs in its database: a run left open by an interrupted test would keep
 * its deterministic id taken. Terminate any open run with these ids (best effort).
 */
export async function terminateOpen(client: Client, workflowIds: string[]): Promise<void> {
  for (const id of workflowIds) {
    try {
      const d = await client.workflow.getHandle(id).describe();
      if (d.status.name === 'RUNNING') await client.workflow.getHandle(id).terminate('stale run of an interrupted e2e test');
    } catch {
      // not found: nothing to clean
    }
  }
}

/** terminateOpen for the daily runs of these dates and every dataset's partition runs under them. */
export async function terminateDays(client: Client, dates: string[]): Promise<void> {
  const names = datasets().map((d) => d.name);
  await terminateOpen(client, dates.flatMap((d) => [dailyWorkflowId(d), ...names.map((ds) => partitionWorkflowId(ds, d))]));
}

/**
 * A real worker in this process on the space's task queue and a client, with the daily and partition runs
 * of `dates` left open by an interrupted run terminated; `stop` shuts both down.
 */
export async function inProcessWorker(space: E2eSpace, dates: string[]): Promise<{ client: Client; stop: () => Promise<void> }> {
  const worker = await createWorker({ config: space.config, ...realWorkerParts(space.config) });
  const running = worker.run();
  const { client, close } = await temporalClient(space.config);
  await terminateDays(client, dates);
  return {
    client,
    stop: async () => {
      await close();
      worker.worker.shutdown();
      await running;
    },
  };
}
