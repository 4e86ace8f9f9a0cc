/**
 * Publishes the generator's ticks for a date to Kafka: key = symbol, value = the JSON record,
 * header x-business-date = the date (so an unreadable payload still lands in its date's
 * partition). In bulk (batches of 500) or paced at `ratePerSecond`. The topic is created when
 * missing (3 partitions by default).
 */
import { Kafka, logLevel, type Message } from 'kafkajs';
import { BUSINESS_DATE_HEADER } from '../run/bronze-kafka';
import type { ProduceTicksOptions } from '../types';
import { generateTicks } from './market';

export const DEFAULT_TOPIC = 'market.ticks';

export async function produceTicks(opts: ProduceTicksOptions & { partitions?: number }): Promise<{ produced: number }> {
  const topic = opts.topic ?? DEFAULT_TOPIC;
  if (opts.ratePerSecond !== undefined && !(opts.ratePerSecond > 0)) throw new Error(`ratePerSecond: expected a positive number, got ${opts.ratePerSecond}`);
  const ticks = generateTicks({ date: opts.date, count: opts.count, seed: opts.seed, symbols: opts.symbols, defectRate: opts.defectRate });
  const kafka = new Kafka({ clientId: opts.clientId ?? 'financelake-producer', brokers: opts.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: opts.partitions ?? 3, replicationFactor: 1 }], waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let produced = 0;
  try {
    const messages: Message[] = ticks.map((t) => ({ key: t.key, value: t.value, headers: { [BUSINESS_DATE_HEADER]: opts.date } }));
    // paced: batches of one tenth of a second's worth of messages
    const batch = opts.ratePerSecond ? Math.max(1, Math.round(opts.ratePerSecond / 10)) : 500;
    const started = Date.now();
    for (let i = 0; i < messages.length; i += batch) {
      const chunk = messages.slice(i, i + batch);
      await producer.send({ topic, messages: chunk, acks: -1 });
      produced += chunk.length;
      if (opts.ratePerSecond) {
        const due = started + (produced / opts.ratePerSecond) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    await producer.disconnect();
  }
  return { produced };
}
