/**
 * Kafka -> bronze, exactly once without consumer-group commits: the position of each
 * topic-partition lives in the bronze table's own log as txn (appId '<topic>-<partition>',
 * version = next offset), written in the SAME commit as the rows. A run reads the positions,
 * consumes in bounded batches up to the high watermark seen at start, and commits one batch per
 * partition; a crash before a commit re-reads the batch, a crash after it starts past it.
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { DeltaTable } from '../../lakehouse';
import type { DatasetDeclaration, TaskContext, TaskInput } from '../types';
import type { BronzeOutcome } from './bronze-files';
import { parseJsonRecord, type RawRecord } from './raw-records';
import { ident } from './sql';
import { addCounts, appendToStage, bronzeSelect, createStage, stagedDates } from './stage';

/** Header a producer may set with the record's business date (used when the payload has none). */
export const BUSINESS_DATE_HEADER = 'x-business-date';
export const DEFAULT_MAX_BATCH = 50_000;
/** Stop waiting for a partition when nothing arrived for this long (e.g. offsets held by aborted transactions). */
const IDLE_TIMEOUT_MS = 15_000;

export function partitionAppId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

interface Range {
  start: number;
  end: number;
  /** the txn version recorded for the partition when the range was planned */
  recorded: number | undefined;
}

interface Consumed {
  records: (RawRecord & { fileDate?: string })[];
  next: number;
}

export async function ingestKafka(
  ctx: TaskContext,
  input: TaskInput,
  decl: DatasetDeclaration,
  topic: string,
  table: DeltaTable,
  conn: DuckDBConnection,
): Promise<BronzeOutcome> {
  const k = ctx.kafka!;
  const kafka = new Kafka({ clientId: k.clientId, brokers: k.brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  const admin = kafka.admin();
  await admin.connect();
  const maxBatch = k.maxBatchMessages ?? DEFAULT_MAX_BATCH;
  let rows = 0;
  let commits = 0;
  let rounds = 0;
  const positions: Record<string, number> = {};
  const rowsByDate: Record<string, number> = {};
  try {
    // the target: everything published before this run started
    const offsets = await admin.fetchTopicOffsets(topic);
    const high = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    const low = new Map(offsets.map((o) => [o.partition, Number(o.low)]));
    while (true) {
      const txns = (await table.snapshot()).txns;
      const ranges = new Map<number, Range>();
      for (const [p, h] of high) {
        const recorded = txns.get(partitionAppId(topic, p));
        const start = Math.max(recorded ?? 0, low.get(p) ?? 0);
        positions[String(p)] = start;
        if (start < h) ranges.set(p, { start, end: Math.min(h, start + maxBatch), recorded });
      }
      if (ranges.size === 0) break;
      rounds++;
      ctx.heartbeat({ taskId: input.taskId, topic, round: rounds, ranges: Object.fromEntries(ranges) });
      const consumed = await consumeRanges(kafka, topic, ranges, () => ctx.heartbeat({ taskId: input.taskId, topic, round: rounds }));
      let progressed = false;
      for (const [p, c] of consumed) {
        const range = ranges.get(p)!;
        if (c.next <= range.start) continue;
        // Another writer may have moved this partition since we planned: then drop this batch. Writing
        // against the snapshot we checked (readVersion) makes the lakehouse refuse or skip the commit
        // if such a writer commits the same appId in between, so the check and the write are one step.
        const base = await table.snapshot();
        if (base.txns.get(partitionAppId(topic, p)) !== range.recorded) continue;
        const stage = `stage_${decl.name}_${p}`;
        await createStage(conn, stage, decl);
        const byDate = new Map<string | undefined, RawRecord[]>();
        for (const r of c.records) byDate.set(r.fileDate, [...(byDate.get(r.fileDate) ?? []), r]);
        for (const [fileDate, recs] of byDate) {
          await appendToStage(conn, stage, decl, recs, { source: (r) => `${topic}/${p}/${r.line}`, format: 'kafka', fileDate });
        }
        const now = ctx.now?.() ?? new Date();
        const dates = await stagedDates(conn, stage, decl, now);
        const result = await table.write(bronzeSelect(decl, ident(stage), `${input.runId}:${topic}/${p}/${range.start}`, now), {
          mode: 'append',
          conn,
          readVersion: base.version,
          txn: { appId: partitionAppId(topic, p), version: c.next },
          operation: 'STREAMING UPDATE',
          operationParameters: { topic, partition: p, fromOffset: range.start, toOffset: c.next, runId: input.runId },
        });
        await conn.run(`DROP TABLE IF EXISTS ${ident(stage)}`);
        if (result.committed) {
          addCounts(rowsByDate, dates);
          commits++;
          rows += result.metrics.numOutputRows;
          progressed = true;
        }
        positions[String(p)] = c.next;
        ctx.heartbeat({ taskId: input.taskId, topic, partition: p, committedTo: c.next });
      }
      if (!progressed) break;
    }
  } finally {
    await admin.disconnect();
  }
  return {
    rowsIn: rows,
    rowsOut: rows,
    committed: commits > 0,
    tableVersion: await table.version(),
    details: { rowsByDate, topic, commits, rounds, positions },
  };
}

/** Reads [start, end) of each partition with a throwaway consumer group (its offsets are never committed). */
async function consumeRanges(kafka: Kafka, topic: string, ranges: Map<number, Range>, beat: () => void): Promise<Map<number, Consumed>> {
  const groupId = `financelake-bronze-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  const out = new Map<number, Consumed>([...ranges].map(([p, r]) => [p, { records: [], next: r.start }]));
  const pending = new Set(ranges.keys());
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(finish, IDLE_TIMEOUT_MS);
  };
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const range = ranges.get(batch.partition);
        const got = out.get(batch.partition);
        if (!range || !got || !pending.has(batch.partition)) return;
        touch();
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < got.next) continue;
          if (offset >= range.end) break;
          const where = `${topic}/${batch.partition}/${offset}`;
          const text = m.value ? m.value.toString('utf8') : '';
          const rec: RawRecord & { fileDate?: string } = text
            ? parseJsonRecord(text, offset, where)
            : { fields: {}, raw: '', line: offset, parseError: `${where}: empty message` };
          const h = m.headers?.[BUSINESS_DATE_HEADER];
          if (h) rec.fileDate = Buffer.isBuffer(h) ? h.toString('utf8') : String(h);
          got.records.push(rec);
          got.next = offset + 1;
        }
        if (got.next >= range.end) pending.delete(batch.partition);
        beat();
        await heartbeat();
        if (pending.size === 0) finish();
      },
    });
    for (const [p, r] of ranges) consumer.seek({ topic, partition: p, offset: String(r.start) });
    touch();
    await finished;
  } finally {
    if (idle) clearTimeout(idle);
    await consumer.disconnect();
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch {
      // a leftover empty group expires on its own
    } finally {
      await admin.disconnect();
    }
  }
  return out;
}
