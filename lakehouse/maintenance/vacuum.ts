/**
 * VACUUM: delete data files that no version inside the retention window references.
 *
 * Kept: every file of the current snapshot; every file removed after the cutoff (a version
 * inside the window still reads it: its tombstone's deletionTimestamp is newer); every file
 * not in the log that was modified after the cutoff (an in-flight write). Deleted: files
 * removed before the cutoff, and untracked files older than it. Like Delta, a real run is
 * recorded as two commitInfo-only commits, VACUUM START and VACUUM END, with metrics.
 */
import { decodePath, ENGINE_INFO, type Action } from '../delta/actions';
import { readCommit } from '../delta/log';
import { commit } from '../delta/transaction';
import type { ObjectInfo } from '../storage/object-store';
import type { TableHandle as DeltaTable } from './handle';
import { mapLimit } from '../backup/pool';
import { isDataKey } from '../backup/log-files';

export const DEFAULT_RETENTION_HOURS = 168;

export interface VacuumOptions {
  /** Default 168 (7 days); below that only with `force`. */
  retentionHours?: number;
  dryRun?: boolean;
  force?: boolean;
  now?: () => Date;
  concurrency?: number;
  onProgress?: (p: { deleted: number; total: number }) => void;
}

export interface VacuumResult {
  table: string;
  version: number;
  cutoff: string;
  dryRun: boolean;
  /** Files deleted (or that would be, with dryRun), with sizes. */
  files: Array<{ key: string; size: number; reason: 'removed' | 'untracked' }>;
  bytes: number;
  /** Data files kept because a version inside the retention still reads them. */
  keptForRetention: number;
  /** Log versions recording the run (VACUUM START, VACUUM END). */
  commits: number[];
}

export class VacuumRetentionError extends Error {
  constructor(readonly table: string, hours: number) {
    super(`vacuum of ${table}: retention ${hours}h is below the safe minimum of ${DEFAULT_RETENTION_HOURS}h (readers and writers may still use those files); pass force to override`);
    this.name = 'VacuumRetentionError';
  }
}

/** Only data files: never the log or hidden folders (`_backup/`, `.tmp`); '_col=value' partition folders are data. */
function isCandidate(key: string): boolean {
  return isDataKey(key);
}

/** Files added or removed by commits newer than the cutoff (newest first until an older commit). */
async function touchedSince(table: DeltaTable, latest: number, cutoff: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (let v = latest; v >= 0; v--) {
    let actions: Action[];
    try {
      actions = await readCommit(table.store, v, table.name);
    } catch {
      break; // cleaned up by log retention: older than anything still readable
    }
    const info = actions.find((a): a is { commitInfo: { timestamp?: number } } => 'commitInfo' in a);
    const ts = info?.commitInfo.timestamp;
    if (typeof ts === 'number' && ts <= cutoff) break;
    for (const a of actions) {
      if ('add' in a) out.add(decodePath(a.add.path));
      else if ('remove' in a) out.add(decodePath(a.remove.path));
    }
  }
  return out;
}

export async function vacuum(table: DeltaTable, opts: VacuumOptions = {}): Promise<VacuumResult> {
  const hours = opts.retentionHours ?? DEFAULT_RETENTION_HOURS;
  if (!(hours >= 0)) throw new Error(`vacuum of ${table.name}: retentionHours must be a number >= 0, got ${hours}`);
  if (hours < DEFAULT_RETENTION_HOURS && !opts.force) throw new VacuumRetentionError(table.name, hours);
  const now = (opts.now ?? (() => new Date()))().getTime();
  const cutoff = now - hours * 3_600_000;

  const snapshot = await table.snapshot();
  const active = new Set(snapshot.files.map((f) => decodePath(f.path)));
  const recentlyRemoved = new Set<string>();
  const removedBeforeCutoff = new Set<string>();
  for (const [key, r] of snapshot.tombstones) {
    if (active.has(key)) continue;
    if ((r.deletionTimestamp ?? now) > cutoff) recentlyRemoved.add(key);
    else removedBeforeCutoff.add(key);
  }

  // Tombstones may have expired from checkpoints: the commits after the cutoff are read too,
  // so any file they add or remove is protected whatever the checkpoint kept.
  for (const key of await touchedSince(table, snapshot.version, cutoff)) if (!active.has(key)) {
    removedBeforeCutoff.delete(key);
    recentlyRemoved.add(key);
  }

  const listing: ObjectInfo[] = (await table.store.list('')).filter((o) => isCandidate(o.key));
  const files: VacuumResult['files'] = [];
  let kept = 0;
  for (const o of listing) {
    if (active.has(o.key)) continue;
    if (recentlyRemoved.has(o.key)) {
      kept++;
      continue;
    }
    if (removedBeforeCutoff.has(o.key)) files.push({ key: o.key, size: o.size, reason: 'removed' });
    else if (o.modified.getTime() < cutoff) files.push({ key: o.key, size: o.size, reason: 'untracked' });
    else kept++;
  }
  const bytes = files.reduce((s, f) => s + f.size, 0);
  const result: VacuumResult = { table: table.name, version: snapshot.version, cutoff: new Date(cutoff).toISOString(), dryRun: !!opts.dryRun, files, bytes, keptForRetention: kept, commits: [] };
  if (opts.dryRun) return result;

  const info = (operation: string, metrics: Record<string, unknown>, params: Record<string, unknown>): Action[] => [
    { commitInfo: { timestamp: Date.now(), operation, operationParameters: params, operationMetrics: metrics, engineInfo: ENGINE_INFO, isBlindAppend: true } },
  ];
  const start = await commit(table.store, snapshot.version, info('VACUUM START', { numFilesToDelete: files.length, sizeOfDataToDelete: bytes }, { retentionCheckEnabled: !opts.force, defaultRetentionMillis: DEFAULT_RETENTION_HOURS * 3_600_000, specifiedRetentionMillis: hours * 3_600_000 }), { table: table.name });
  result.commits.push(start.version);
  let deleted = 0;
  await mapLimit(files, opts.concurrency ?? 8, async (f) => {
    await table.store.delete(f.key);
    opts.onProgress?.({ deleted: ++deleted, total: files.length });
  });
  const dirs = new Set(files.map((f) => f.key.split('/').slice(0, -1).join('/')).filter(Boolean));
  const end = await commit(table.store, start.version, info('VACUUM END', { numDeletedFiles: files.length, numVacuumedDirectories: dirs.size }, { status: 'COMPLETED' }), { table: table.name });
  result.commits.push(end.version);
  return result;
}
