/**
 * Kafka exactly-once through a real worker process: publish ticks, start the pipeline for
 * market_ticks, kill -9 the worker while bronze is ingesting, start a new worker; bronze
 * ends with every message exactly once.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { ChildProcess } from 'node:child_process';
import { produceTicks } from '../../pipeline';
import { dailyPipeline } from '../../workflows';
import type { Engine, Warehouse } from '../../lakehouse';
import { e2eSpace, openWarehouse, spawnWorker, temporalClient, terminateOpen, waitFor, type E2eSpace } from './harness';
import { partitionWorkflowId } from '../../workflows/ids';

const DATE = '2030-06-01';
const COUNT = 3000;

let space: E2eSpace;
let topic: string;
let engine: Engine;
let warehouse: Warehouse;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  topic = `e2e-ticks-${process.pid}-${Date.now().toString(36)}`;
  space = e2eSpace('kafka', { FINANCELAKE_KAFKA: '1', KAFKA_TOPIC_MAP: `market.ticks=${topic}`, KAFKA_MAX_BATCH_MESSAGES: '100' });
  const admin = new Kafka({ clientId: 'e2e', brokers: space.config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  ({ engine, warehouse } = await openWarehouse(space.config));
}, 120_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await engine?.close();
  const admin = new Kafka({ clientId: 'e2e', brokers: space.config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect().then(() => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  space?.cleanup();
});

async function bronzeCount(): Promise<number> {
  const t = await warehouse.table('bronze.market_ticks');
  return t ? t.count() : 0;
}

describe('Kafka -> bronze exactly once across a killed worker', () => {
  it('bronze rows equal the messages produced, each once, after kill -9 during ingestion and a restart', async () => {
    const { produced } = await produceTicks({ brokers: space.config.kafka.brokers, topic, date: DATE, count: COUNT, seed: 11 });
    expect(produced).toBe(COUNT);

    const first = spawnWorker(space.env, path.join(space.dir, 'worker-1.log'));
    workers.push(first);
    const { client, close } = await temporalClient(space.config);
    await terminateOpen(client, [partitionWorkflowId('market_ticks', DATE)]);
    let workflowId: string | undefined;
    try {
      workflowId = `financelake/e2e-kafka/${DATE}/${Date.now()}`;
      const handle = await client.workflow.start(dailyPipeline, {
        taskQueue: space.config.temporal.taskQueue,
        workflowId,
        args: [{ date: DATE, datasets: ['market_ticks'], record: false }],
      });
      // Kill as soon as some batches committed, before all did.
      const atKill = await waitFor('bronze ingestion to start', async () => {
        const n = await bronzeCount();
        return n > 0 ? n : undefined;
      }, 120_000, 50);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      expect(atKill, 'the worker was killed in the middle of ingestion').toBeLessThan(COUNT);

      const second = spawnWorker(space.env, path.join(space.dir, 'worker-2.log'));
      workers.push(second);
      const result = await handle.result();
      const bronze = result.tasks.find((t) => t.taskId === 'bronze.market_ticks')!;
      expect(bronze.state, bronze.error).toBe('succeeded');

      const t = (await warehouse.table('bronze.market_ticks'))!;
      const [row] = await t.query<{ n: number; distinct_sources: number }>('SELECT count(*) AS n, count(DISTINCT _source) AS distinct_sources FROM {{table}}');
      expect(Number(row!.n)).toBe(COUNT);
      expect(Number(row!.distinct_sources)).toBe(COUNT);
      const silver = result.tasks.find((x) => x.taskId === 'silver.market_ticks')!;
      expect(silver.state, silver.error).toBe('succeeded');
      expect(silver.rowsIn).toBe(COUNT);
      expect(silver.rowsOut + silver.quarantined + silver.duplicates).toBe(COUNT);
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
      expect(second.exitCode === 0 || second.signalCode === 'SIGTERM').toBe(true);
    } finally {
      if (workflowId) await terminateOpen(client, [workflowId]); // only if the test failed midway
      await close();
    }
  });
});
