/**
 * Backup retention: keep every backup of the last `keepWithinHours`, the newest backup of
 * each of the last `keepDaily` days and `keepWeekly` ISO weeks, and always the newest
 * verified backup. Expired manifests are deleted first, then the data files that only
 * they referenced (never a file a kept manifest lists; log files are kept, they are small
 * and keep the backup's history readable). Run it after a backup, not beside one.
 */
import type { ObjectStore } from '../storage/object-store';
import { type BackupManifest, listManifests, manifestKey } from './manifest';
import { mapLimit } from './pool';

export interface RetentionPolicy {
  keepDaily: number;
  keepWeekly: number;
  keepWithinHours?: number;
}

export interface RetentionResult {
  kept: string[];
  deleted: string[];
  deletedFiles: string[];
  freedBytes: number;
}

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const year = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${week}`;
}

/** Which manifests a policy keeps (pure: unit-tested without a store). */
export function selectRetained(manifests: BackupManifest[], policy: RetentionPolicy, now: Date): Set<string> {
  const newestFirst = [...manifests].sort((a, b) => b.finishedAt.localeCompare(a.finishedAt) || b.runId.localeCompare(a.runId));
  const keep = new Set<string>();
  if (newestFirst.length) keep.add(newestFirst[0].runId);
  const verified = newestFirst.find((m) => m.verifiedAt);
  if (verified) keep.add(verified.runId);
  const within = (policy.keepWithinHours ?? 0) * 3_600_000;
  const days = new Set<string>();
  const weeks = new Set<string>();
  for (const m of newestFirst) {
    const at = new Date(m.finishedAt);
    if (now.getTime() - at.getTime() <= within) keep.add(m.runId);
    const day = m.finishedAt.slice(0, 10);
    if (!days.has(day) && days.size < policy.keepDaily) {
      days.add(day);
      keep.add(m.runId);
    }
    const week = isoWeek(at);
    if (!weeks.has(week) && weeks.size < policy.keepWeekly) {
      weeks.add(week);
      keep.add(m.runId);
    }
  }
  return keep;
}

export async function applyRetention(target: ObjectStore, policy: RetentionPolicy, opts: { now?: Date; dryRun?: boolean } = {}): Promise<RetentionResult> {
  const manifests = await listManifests(target);
  const keep = selectRetained(manifests, policy, opts.now ?? new Date());
  const kept = manifests.filter((m) => keep.has(m.runId));
  const expired = manifests.filter((m) => !keep.has(m.runId));
  const referenced = new Set(kept.flatMap((m) => m.tables.flatMap((t) => t.files.map((f) => (t.prefix ? `${t.prefix}/${f.key}` : f.key)))));
  const orphaned = new Map<string, number>();
  for (const m of expired)
    for (const t of m.tables)
      for (const f of t.files) {
        const key = t.prefix ? `${t.prefix}/${f.key}` : f.key;
        if (f.kind === 'data' && !referenced.has(key)) orphaned.set(key, f.size);
      }
  if (!opts.dryRun) {
    for (const m of expired) await target.delete(manifestKey(m.runId));
    await mapLimit([...orphaned.keys()], 8, (k) => target.delete(k));
  }
  return {
    kept: kept.map((m) => m.runId),
    deleted: expired.map((m) => m.runId),
    deletedFiles: [...orphaned.keys()].sort(),
    freedBytes: [...orphaned.values()].reduce((s, n) => s + n, 0),
  };
}
