/**
 * Expired-log cleanup per `delta.logRetentionDuration` (default 30 days), done so time
 * travel inside the retention never breaks: find the newest checkpoint c committed at or
 * before the cutoff; every version newer than the cutoff is >= c and is rebuilt from c plus
 * the commits after it, so commits and checkpoints below c (and only those, and only if
 * they are themselves older than the cutoff) can go.
 */
import { listLog, readLog } from '../delta/log';
import type { TableHandle as DeltaTable } from './handle';

export const DEFAULT_LOG_RETENTION_MS = 30 * 24 * 3_600_000;

/** Parses Delta's interval syntax ('interval 30 days', '7 days', '12 hours') to ms. */
export function parseInterval(text: string): number {
  const m = /^\s*(?:interval\s+)?(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week)s?\s*$/i.exec(text);
  if (!m) throw new Error(`cannot parse interval "${text}" (expected e.g. "interval 30 days")`);
  const unit = { second: 1e3, minute: 6e4, hour: 3.6e6, day: 8.64e7, week: 6.048e8 }[m[2].toLowerCase() as 'day'];
  return Number(m[1]) * unit;
}

export interface LogCleanupResult {
  table: string;
  cutoff: string;
  /** The checkpoint the retained log starts from, if any cleanup was possible. */
  fromCheckpoint?: number;
  deleted: string[];
}

export async function cleanupExpiredLogs(table: DeltaTable, opts: { retentionMs?: number; now?: () => Date; dryRun?: boolean } = {}): Promise<LogCleanupResult> {
  const snapshot = await table.snapshot();
  const configured = snapshot.properties['delta.logRetentionDuration'];
  const retention = opts.retentionMs ?? (configured ? parseInterval(configured) : DEFAULT_LOG_RETENTION_MS);
  const cutoff = (opts.now ?? (() => new Date()))().getTime() - retention;
  const listing = await listLog(table.store, table.name);
  const result: LogCleanupResult = { table: table.name, cutoff: new Date(cutoff).toISOString(), deleted: [] };
  const cps = [...listing.checkpoints.keys()].sort((a, b) => a - b);
  if (cps.length === 0) return result;
  // Commit timestamps of the checkpoint versions (their commits may already be gone: then
  // the checkpoint's file time stands in).
  const entries = await readLog(table.store, { table: table.name, from: Math.min(...listing.commits.keys()), to: listing.latest, listing });
  const ts = new Map(entries.map((e) => [e.version, e.timestamp]));
  let c: number | undefined;
  for (const v of cps) if ((ts.get(v) ?? listing.commits.get(v)?.modified.getTime() ?? Infinity) <= cutoff) c = v;
  if (c === undefined) return result;
  result.fromCheckpoint = c;
  const doomed: string[] = [];
  for (const [v, o] of listing.commits) if (v < c && (ts.get(v) ?? o.modified.getTime()) <= cutoff) doomed.push(o.key);
  for (const [v, ref] of listing.checkpoints) if (v < c) doomed.push(...ref.keys);
  const crcs = (await table.store.list('_delta_log/')).filter((o) => /\/(\d{20})\.crc$/.test(o.key) && Number(/(\d{20})\.crc$/.exec(o.key)![1]) < c!);
  doomed.push(...crcs.map((o) => o.key));
  doomed.sort();
  // Oldest first: a reader racing the cleanup sees a log that starts later, never a hole.
  if (!opts.dryRun) for (const k of doomed) await table.store.delete(k);
  result.deleted = doomed;
  return result;
}
