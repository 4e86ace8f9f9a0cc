/**
 * The stack's Kafka (KRaft, one broker) through kafkajs: create a topic, produce 10,000
 * messages, and a consumer group reads every one back, in order within each partition.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '../helpers/stack';

const PARTITIONS = 3;
const TOTAL = 10_000;

describe('Kafka of the local stack', () => {
  it(`creates a topic, produces ${TOTAL} messages and a consumer group reads all back in order per partition`, async () => {
    const kafka = new Kafka({ clientId: 'financelake-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const topic = uniqueName('kafka-test');
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0].partitions).toHaveLength(PARTITIONS);

      // Message i goes to partition i % 3, so each partition's expected order is known.
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      for (let start = 0; start < TOTAL; start += 1000) {
        const messages = Array.from({ length: 1000 }, (_, j) => {
          const i = start + j;
          return { partition: i % PARTITIONS, key: `k${i % PARTITIONS}`, value: String(i) };
        });
        await producer.send({ topic, acks: -1, messages });
      }
      await producer.disconnect();

      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)).toBe(TOTAL);

      const groupId = uniqueName('kafka-test-group');
      const consumer = kafka.consumer({ groupId });
      const seen: number[][] = Array.from({ length: PARTITIONS }, () => []);
      const lastOffset: number[] = Array(PARTITIONS).fill(-1);
      let count = 0;
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`only ${count} of ${TOTAL} messages consumed after 90s`)), 90_000);
          consumer.run({
            eachMessage: async ({ partition, message }) => {
              const offset = Number(message.offset);
              if (offset <= lastOffset[partition]) throw new Error(`partition ${partition}: offset ${offset} after ${lastOffset[partition]}`);
              lastOffset[partition] = offset;
              seen[partition].push(Number(message.value!.toString()));
              if (++count === TOTAL) {
                clearTimeout(timer);
                resolve();
              }
            },
          }).catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }

      expect(count).toBe(TOTAL);
      for (let p = 0; p < PARTITIONS; p++) {
        const expected = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % PARTITIONS === p);
        expect(seen[p]).toEqual(expected);
      }
      // The group committed its position at the end of every partition.
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const high = new Map(offsets.map((o) => [o.partition, o.high]));
      expect(committed.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([...high.entries()].sort());
      await admin.deleteGroups([groupId]);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
