/**
 * A real Temporal dev server (the infra binary, never downloaded) with the FinanceLake search
 * attributes, and a worker running the real workflow bundle with in-memory activities:
 * these tests are about the orchestration (order, failure policy, ids, queries), the e2e
 * suite runs the real activities.
 */
import path from 'node:path';
import fs from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/activity';
import { loadConfig } from '../../config/env';
import { buildDag, type Dag, type DagDeclaration } from '../../pipeline/dag';
import { DATASET, LAYER, PARTITION_DATE, STATUS } from '../../workflows/search-attributes';
import type { FailedTasks, FinanceLakeActivities, RunRecord, RunTaskInput, RunTaskResult } from '../../activities/types';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createWorker, type FinanceLakeWorker } from '../../workers/worker';
import { temporalDevConfigArgs } from '../../infra/temporal-dev';

export async function startTestServer(): Promise<TestWorkflowEnvironment> {
  // Expected workflow failures (bad-input tests) would otherwise flood the output.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = loadConfig();
  const bin = path.join(config.infraDir, 'bin', 'temporal');
  if (!fs.existsSync(bin)) throw new Error(`Temporal CLI not installed at ${bin}: run 'bash infra/install.sh --min'`);
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: bin },
      searchAttributes: [DATASET, PARTITION_DATE, LAYER, STATUS],
      ip: '127.0.0.1',
      extraArgs: temporalDevConfigArgs(),
    },
  });
}

/** Fast retries so a retry test does not wait seconds. */
export function testDag(decls: DagDeclaration[]): Dag {
  return buildDag(decls.map((d) => ({ ...d, retry: { initialIntervalMs: 100, maximumIntervalMs: 200, maximumAttempts: 3, ...d.retry } })));
}

export type Behaviour = (input: RunTaskInput, attempt: number) => Promise<Partial<RunTaskResult> | void> | Partial<RunTaskResult> | void;

/** In-memory activities with a programmable runTask and a ledger kept in an array. */
export class FakeActivities {
  calls: { taskId: string; date: string; attempt: number }[] = [];
  ledger: RunRecord[] = [];
  behaviours = new Map<string, Behaviour>();
  constructor(public dag: Dag) {}

  failWith(taskId: string, type: 'QualityFailure' | 'SchemaMismatch', message = `${type} in ${taskId}`) {
    this.behaviours.set(taskId, () => {
      throw ApplicationFailure.create({ message, type, nonRetryable: true });
    });
  }

  activities(): FinanceLakeActivities {
    return {
      planDag: async () => this.dag,
      runTask: async (input) => {
        const { Context } = await import('@temporalio/activity');
        const attempt = Context.current().info.attempt;
        this.calls.push({ taskId: input.taskId, date: input.date, attempt });
        const over = (await this.behaviours.get(input.taskId)?.(input, attempt)) ?? {};
        const [layer, dataset] = input.taskId.split('.') as [RunTaskResult['layer'], string];
        return { taskId: input.taskId, dataset, layer, date: input.date, rowsIn: 10, rowsOut: 8, quarantined: 1, duplicates: 1, invariantOk: true, committed: true, durationMs: 5, ...over };
      },
      recordRun: async (r) => {
        this.ledger.push(r);
      },
      findFailed: async ({ from, to }) => {
        const latest = new Map<string, { date: string; taskId: string; state: string }>();
        for (const r of this.ledger) for (const t of r.tasks) latest.set(`${r.date}|${t.taskId}`, { date: r.date, taskId: t.taskId, state: t.state });
        const out = new Map<string, string[]>();
        for (const v of latest.values()) {
          if (v.date < from || v.date > to || (v.state !== 'failed' && v.state !== 'skipped')) continue;
          (out.get(v.date) ?? out.set(v.date, []).get(v.date)!).push(v.taskId);
        }
        return [...out].sort().map(([date, tasks]): FailedTasks => ({ date, tasks: tasks.sort() }));
      },
    };
  }

  ranFor(date: string): string[] {
    return this.calls.filter((c) => c.date === date).map((c) => c.taskId);
  }
}

/** ownConnection: a second worker on the same queue needs its own connection (as a second process would have). */
export async function startWorker(env: TestWorkflowEnvironment, taskQueue: string, fakes: FakeActivities, ownConnection = false): Promise<{ w: FinanceLakeWorker; done: Promise<void> }> {
  const base = loadConfig();
  const config = ownConnection ? { ...base, temporal: { ...base.temporal, address: env.address } } : base;
  const w = await createWorker({ config, ...(ownConnection ? {} : { connection: env.nativeConnection }), taskQueue, activities: fakes.activities(), identity: ownConnection ? `second-worker-${process.pid}` : undefined });
  const done = w.run();
  return { w, done };
}
