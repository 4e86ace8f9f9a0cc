/**
 * Building the FinanceLake worker: validated declarations first (a broken DAG or quality
 * suite refuses to start, naming the problem), then a Temporal Worker on the configured
 * task queue with the configured concurrency. Used by workers/main.ts, `financelake
 * worker`, the in-process worker of `financelake start`, and the tests.
 */
import path from 'node:path';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Config } from '../config/env';
import type { FinanceLakeActivities } from '../activities/types';

/** The workflows' entry; a folder path lets the bundler pick index.ts (run by tsx) or index.js. */
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per process (webpack takes seconds on 2 cores). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string, meta?: unknown) => console.warn(m, meta ?? ''),
  error: (m: string, meta?: unknown) => console.error(m, meta ?? ''),
};

export interface WorkerOptions {
  config: Config;
  /** Existing connection (tests); otherwise one is opened to config.temporal.address. */
  connection?: NativeConnection;
  taskQueue?: string;
  /** The real ones come from realWorkerParts() (workers/real.ts); workflow tests pass fakes. */
  activities: Partial<FinanceLakeActivities>;
  /** Runs before connecting; throws to refuse the start (declarations, quality suites). */
  validate?: () => void | Promise<void>;
  /** Runs after the worker stopped (close the shared Engine). */
  close?: () => Promise<void>;
  identity?: string;
}

export interface FinanceLakeWorker {
  worker: Worker;
  /** Runs until shutdown (SIGINT/SIGTERM or worker.shutdown()), then closes what it opened. */
  run(): Promise<void>;
}

export async function createWorker(opts: WorkerOptions): Promise<FinanceLakeWorker> {
  const { config } = opts;
  await opts.validate?.();
  const connection = opts.connection ?? (await NativeConnection.connect({ address: config.temporal.address }));
  const ownConnection = !opts.connection;
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: opts.taskQueue ?? config.temporal.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: opts.activities,
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
      // Long tasks get time to finish their commit on shutdown; Delta txn makes a cut-off retry safe anyway.
      shutdownGraceTime: '30 seconds',
      ...(opts.identity ? { identity: opts.identity } : {}),
    });
    return {
      worker,
      async run() {
        try {
          await worker.run();
        } finally {
          await opts.close?.();
          if (ownConnection) await connection.close();
        }
      },
    };
  } catch (e) {
    if (ownConnection) await connection.close();
    throw e;
  }
}
