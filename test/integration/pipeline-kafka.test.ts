/**
 * Kafka -> bronze against the real broker (the config's, 127.0.0.1:9092 by default, brought up by the global setup):
 * exactly once through txn offsets in the bronze table, across re-runs and a crash between
 * commits. Each run uses its own topic so parallel suites do not see each other's messages.
 */
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../config/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTicks, partitionAppId, produceTicks, runTask } from '../../pipeline';
import { cleanupDirs } from '../helpers/lakehouse';
import { pipelineEnv, type PipelineEnv } from '../helpers/pipeline';

// The stack's broker as the config names it (KAFKA_BROKERS or KAFKA_PORT), so a CI stack on other ports is used.
const BROKERS = loadConfig().kafka.brokers;
const TOPIC = `pipeline-test.ticks.${process.pid}.${Date.now()}`;
const D1 = '2024-04-01';
const D2 = '2024-04-02';
let env: PipelineEnv;
const kafka = new Kafka({ clientId: 'pipeline-kafka-test', brokers: BROKERS, logLevel: logLevel.NOTHING });

async function highWatermarks(): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(TOPIC)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

async function bronzeSources(): Promise<string[]> {
  const t = await env.warehouse.table('bronze.market_ticks');
  return (await t!.query<{ _source: string }>('SELECT _source FROM {{table}}')).map((r) => r._source);
}

beforeAll(async () => {
  env = await pipelineEnv({ kafka: { brokers: BROKERS, clientId: 'pipeline-kafka-test', topics: { 'market.ticks': TOPIC }, maxBatchMessages: 100 } });
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await admin.disconnect();
  await env?.engine.close();
  await cleanupDirs();
});

describe('Kafka ingestion into bronze', () => {
  it('ingests N produced ticks exactly once, twice run, with the offsets in txn', async () => {
    const { produced } = await produceTicks({ brokers: BROKERS, topic: TOPIC, date: D1, count: 400, seed: 5, defectRate: 0.05 });
    expect(produced).toBe(400);
    const first = await env.run('bronze.market_ticks', D1);
    expect(first.rowsOut).toBe(400);
    expect(first.committed).toBe(true);
    const second = await env.run('bronze.market_ticks', D1);
    expect(second).toMatchObject({ rowsOut: 0, committed: false, tableVersion: first.tableVersion });
    const sources = await bronzeSources();
    expect(sources).toHaveLength(400);
    expect(new Set(sources).size).toBe(400);
    const table = (await env.warehouse.table('bronze.market_ticks'))!;
    const txns = (await table.snapshot()).txns;
    for (const [p, high] of await highWatermarks()) expect(txns.get(partitionAppId(TOPIC, p)) ?? 0, `partition ${p}`).toBe(high);
    // the payloads are the generator's, each once
    const raw = (await table.query<{ _raw: string }>('SELECT _raw FROM {{table}}')).map((r) => r._raw).sort();
    expect(raw).toEqual(generateTicks({ date: D1, count: 400, seed: 5, defectRate: 0.05 }).map((t) => t.value).sort());
  });

  it('neither loses nor duplicates a message when a run dies between batch commits', async () => {
    await produceTicks({ brokers: BROKERS, topic: TOPIC, date: D2, count: 300, seed: 5, defectRate: 0.05 });
    let commits = 0;
    const dying = { ...env.ctx, heartbeat: (d?: unknown) => {
      if (d && typeof d === 'object' && 'committedTo' in d && ++commits === 1) throw new Error('worker killed after its first commit');
    } };
    await expect(runTask(dying, { taskId: 'bronze.market_ticks', date: D2, runId: 'crash-1' })).rejects.toThrow(/killed/);
    const partial = await bronzeSources();
    expect(partial.length).toBeGreaterThan(400);
    expect(partial.length).toBeLessThan(700);
    const resumed = await env.run('bronze.market_ticks', D2, 'crash-1-retry');
    expect(resumed.committed).toBe(true);
    const sources = await bronzeSources();
    expect(sources).toHaveLength(700);
    // every offset of every partition, once
    const seen = new Map<number, number[]>();
    for (const s of sources) {
      const [, p, o] = /\/(\d+)\/(\d+)$/.exec(s)!.map(Number);
      seen.set(p, [...(seen.get(p) ?? []), o]);
    }
    for (const [p, high] of await highWatermarks()) {
      expect((seen.get(p) ?? []).sort((a, b) => a - b), `partition ${p}`).toEqual(Array.from({ length: high }, (_, i) => i));
    }
  });

  it('silver for a date takes that date ticks, malformed payloads included via the business-date header', async () => {
    const ticks = generateTicks({ date: D1, count: 400, seed: 5, defectRate: 0.05 });
    const s = await env.run('silver.market_ticks', D1);
    expect(s.rowsIn).toBe(400);
    expect({ passed: s.rowsOut, duplicates: s.duplicates, quarantined: s.quarantined }).toEqual({
      passed: ticks.filter((t) => t.expected === 'silver').length,
      duplicates: ticks.filter((t) => t.expected === 'duplicate').length,
      quarantined: ticks.filter((t) => t.expected === 'quarantine').length,
    });
  });
});
