/**
 * runTask: the one entry point the activities call. It resolves the task id to a declaration and
 * a layer and runs the generic code for that layer; nothing here is specific to a dataset.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { openStore } from '../../lakehouse/storage';
import { SchemaMismatch } from '../errors';
import { dataset, parseTaskId } from '../registry';
import type { DatasetDeclaration, Layer, TaskContext, TaskInput, TaskResult } from '../types';
import { ingestFiles, type BronzeOutcome } from './bronze-files';
import { ingestKafka } from './bronze-kafka';
import { runGold } from './gold';
import { runSilver } from './silver';
import { ensureTable } from './tables';

function checkInput(input: TaskInput): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date) || Number.isNaN(Date.parse(`${input.date}T00:00:00Z`))) {
    throw new Error(`task ${input.taskId}: date must be YYYY-MM-DD, got "${input.date}"`);
  }
  if (!input.runId) throw new Error(`task ${input.taskId}: runId is required`);
}

/** A connection of our own with UTC session time zone (dates of TIMESTAMPTZ values are UTC dates). */
async function openConnection(ctx: TaskContext): Promise<{ conn: DuckDBConnection; own: boolean }> {
  const conn = ctx.conn ?? (await ctx.engine.connect());
  await conn.run("SET TimeZone = 'UTC'");
  return { conn, own: !ctx.conn };
}

async function runBronze(ctx: TaskContext, input: TaskInput, decl: DatasetDeclaration, conn: DuckDBConnection): Promise<BronzeOutcome> {
  const source = decl.source;
  if (!source) throw new SchemaMismatch(input.taskId, `dataset ${decl.name} has no source to ingest`);
  const table = await ensureTable(ctx.warehouse, input.taskId);
  if (source.kind === 'kafka' && ctx.kafka) {
    const topic = ctx.kafka.topics?.[source.topic] ?? source.topic;
    return ingestKafka(ctx, input, decl, topic, table, conn);
  }
  const files = source.kind === 'files' ? source : source.files;
  if (!files) {
    const topic = source.kind === 'kafka' ? source.topic : '?';
    throw new SchemaMismatch(input.taskId, `dataset ${decl.name} reads Kafka topic ${topic}, but no Kafka brokers are configured and it declares no landing files`);
  }
  const store = ctx.landingStore ?? openStore(ctx.landing, { s3: ctx.s3 });
  return ingestFiles(ctx, input, decl, files, table, store, conn);
}

export async function runTask(ctx: TaskContext, input: TaskInput): Promise<TaskResult> {
  const started = Date.now();
  checkInput(input);
  const { layer, dataset: name } = parseTaskId(input.taskId);
  const decl = dataset(name);
  if ((layer === 'gold') !== !decl.source) {
    throw new SchemaMismatch(input.taskId, `dataset ${name} has no ${layer} task (${decl.source ? 'a source dataset: bronze and silver' : 'a gold dataset'})`);
  }
  const { conn, own } = await openConnection(ctx);
  const base = { taskId: input.taskId, dataset: name, layer: layer as Layer, date: input.date };
  try {
    if (layer === 'bronze') {
      const b = await runBronze(ctx, input, decl, conn);
      return { ...base, rowsIn: b.rowsIn, rowsOut: b.rowsOut, quarantined: 0, duplicates: 0, invariantOk: true, tableVersion: b.tableVersion, committed: b.committed, durationMs: Date.now() - started, details: b.details };
    }
    if (layer === 'silver') {
      const s = await runSilver(ctx, input, decl, conn);
      return {
        ...base,
        rowsIn: s.rowsIn,
        rowsOut: s.passed,
        quarantined: s.quarantined,
        duplicates: s.duplicates,
        invariantOk: s.rowsIn === s.passed + s.quarantined + s.duplicates,
        tableVersion: s.tableVersion,
        committed: s.committed,
        durationMs: Date.now() - started,
        qualityReport: s.qualityReport,
        details: { ...s.details, outcomes: s.outcomes.map((o) => ({ expectation: o.expectation, outcome: o.outcome, failed: o.failed })) },
      };
    }
    const g = await runGold(ctx, input, decl, conn);
    return { ...base, rowsIn: g.rowsIn, rowsOut: g.rowsOut, quarantined: 0, duplicates: 0, invariantOk: true, tableVersion: g.tableVersion, committed: g.committed, durationMs: Date.now() - started, details: g.details };
  } finally {
    if (own) conn.closeSync();
  }
}
