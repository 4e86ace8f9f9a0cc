/**
 * `financelake quarantine list|replay --dataset X --date D`: the rows silver refused, and their
 * re-processing after a rule or upstream fix (pipeline's replayQuarantined, in this process, on a
 * TaskContext built like the worker's: shared Engine and Warehouse from the config).
 */
import { loadConfig } from '../../config/env';
import { closeSharedContext, s3Options, sharedContext, useConfig } from '../../activities/context';
import { replayQuarantined, type TaskContext } from '../../pipeline';
import { QUARANTINE_TABLE } from '../../quality';
import { CommandFailed, UsageError, optionalInt, parse, requireDate } from '../args';
import type { Command } from '../command';
import { table } from '../format';
import { knownDataset } from './quality';

const usage = `financelake quarantine list --dataset NAME --date YYYY-MM-DD [--limit 20]
financelake quarantine replay --dataset NAME --date YYYY-MM-DD [--run RUN_ID]`;

const RAW_CHARS = 100;

interface QuarantineRow {
  row_id: number | null;
  batch_id: string;
  run_id: string | null;
  source: string | null;
  _raw: string | null;
  rules: string | null;
  messages: string | null;
}

function jsonList(text: string | null): string[] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.map(String) : [String(v)];
  } catch {
    return [text];
  }
}

function clip(s: string | null, n: number): string {
  if (s === null) return '';
  const one = s.replace(/\r?\n/g, '\\n');
  return one.length > n ? `${one.slice(0, n)}…` : one;
}

async function list(values: { dataset: string; date: string; limit: number }): Promise<number> {
  const { warehouse } = await sharedContext();
  const t = await warehouse.table(QUARANTINE_TABLE);
  const predicate = `dataset = '${values.dataset}' AND date = '${values.date}'`;
  const total = t ? await t.count(predicate) : 0;
  if (!t || total === 0) {
    console.log(`no quarantined rows for ${values.dataset} on ${values.date}`);
    return 0;
  }
  const rows = await t.query<QuarantineRow>(`SELECT row_id, batch_id, run_id, source, _raw, rules, messages FROM {{table}} WHERE ${predicate} ORDER BY batch_id, row_id LIMIT ${values.limit}`, { predicate });
  console.log(
    table(
      ['row', 'source', 'rules', 'messages', 'record'],
      rows.map((r) => [r.row_id ?? '', r.source ?? r.batch_id, jsonList(r.rules).join(', '), jsonList(r.messages).join('; '), clip(r._raw, RAW_CHARS)]),
    ),
  );
  console.log(`${total} row${total === 1 ? '' : 's'} quarantined for ${values.dataset} on ${values.date}${total > rows.length ? `, first ${rows.length} shown (--limit)` : ''}`);
  return 0;
}

async function replay(values: { dataset: string; date: string; runId: string }): Promise<number> {
  const { config, engine, warehouse } = await sharedContext();
  // The TaskContext the worker's runTask activity builds, minus Temporal's heartbeat.
  const s3 = s3Options(config, config.landing);
  const ctx: TaskContext = {
    warehouse,
    engine,
    landing: config.landing,
    ...(s3 ? { s3 } : {}),
    reportDir: config.reportDir,
    ...(config.kafka.enabled ? { kafka: { brokers: config.kafka.brokers, clientId: config.kafka.clientId, topics: config.kafka.topics } } : {}),
    heartbeat: () => undefined,
  };
  let r;
  try {
    r = await replayQuarantined(ctx, { dataset: values.dataset, date: values.date, runId: values.runId });
  } catch (e) {
    throw new CommandFailed(`quarantine replay of ${values.dataset} on ${values.date} failed: ${(e as Error).message}`);
  }
  console.log(`${values.dataset} ${values.date}: ${r.examined} examined, ${r.released} released to silver.${values.dataset}, ${r.stillQuarantined} still quarantined (run ${values.runId})`);
  return 0;
}

export const quarantineCommand: Command = {
  name: 'quarantine',
  summary: 'list the quarantined rows of a partition, or replay them after a fix',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'list' && sub !== 'replay') throw new UsageError(sub ? `unknown sub-command, got "${sub}" (one of: list, replay)` : 'name the sub-command: list, replay', usage);
    const { values } = parse(rest, { dataset: { type: 'string' }, date: { type: 'string' }, limit: { type: 'string' }, ...(sub === 'replay' ? { run: { type: 'string' } } : {}) }, usage);
    const dataset = knownDataset(values.dataset, usage);
    const date = requireDate(values.date, 'date', usage);
    if (sub === 'replay' && values.limit !== undefined) throw new UsageError('--limit is for quarantine list', usage);
    const limit = optionalInt(values.limit, 'limit', usage, 1, 100_000) ?? 20;
    const run = (values as { run?: string }).run;
    if (run !== undefined && !run.trim()) throw new UsageError('--run: empty run id', usage);
    const config = loadConfig();
    useConfig(config);
    try {
      if (sub === 'list') return await list({ dataset, date, limit });
      return await replay({ dataset, date, runId: run ?? `cli-replay-${new Date().toISOString()}` });
    } finally {
      await closeSharedContext();
    }
  },
};
