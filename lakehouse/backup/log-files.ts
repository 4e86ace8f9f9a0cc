/**
 * Classifies the keys of a Delta table folder without replaying the log: commits,
 * checkpoints, `_last_checkpoint`, other log files, and data files. Backups copy by class
 * (data first, log last), so this is all they need to know about the protocol.
 */
import type { ObjectInfo, ObjectStore } from '../storage/object-store';

export const LOG_PREFIX = '_delta_log/';
export const LAST_CHECKPOINT = '_delta_log/_last_checkpoint';

const COMMIT_RE = /^_delta_log\/(\d{20})\.json$/;
// Classic single-file and multi-part checkpoints; .crc files ride with their commit.
const CHECKPOINT_RE = /^_delta_log\/(\d{20})\.checkpoint(\.\d{10}\.\d{10})?\.parquet$/;
const CRC_RE = /^_delta_log\/(\d{20})\.crc$/;

export type LogFileKind = 'commit' | 'checkpoint' | 'crc' | 'last_checkpoint' | 'log_other';

export function classifyLogKey(key: string): { kind: LogFileKind; version?: number } {
  let m = COMMIT_RE.exec(key);
  if (m) return { kind: 'commit', version: Number(m[1]) };
  m = CHECKPOINT_RE.exec(key);
  if (m) return { kind: 'checkpoint', version: Number(m[1]) };
  m = CRC_RE.exec(key);
  if (m) return { kind: 'crc', version: Number(m[1]) };
  if (key === LAST_CHECKPOINT) return { kind: 'last_checkpoint' };
  return { kind: 'log_other' };
}

/**
 * Hidden, as Delta readers and delta-rs vacuum treat it: a path segment starting with '_' or
 * '.' that is not a partition folder ('_ingest_date=2024-01-01' is data, '_backup' is not).
 */
export function isHiddenSegment(seg: string): boolean {
  return (seg.startsWith('_') || seg.startsWith('.')) && !seg.includes('=');
}

/** A data file: anything outside the log and hidden folders/files (`_backup/`, `.tmp`, `_SUCCESS`). */
export function isDataKey(key: string): boolean {
  if (key.startsWith(LOG_PREFIX)) return false;
  return !key.split('/').some(isHiddenSegment);
}

export interface TableListing {
  /** Highest commit version present, or -1 when the folder holds no commit. */
  latestVersion: number;
  commits: Map<number, ObjectInfo>;
  checkpoints: Array<ObjectInfo & { version: number }>;
  crcs: Map<number, ObjectInfo>;
  lastCheckpoint?: ObjectInfo;
  otherLog: ObjectInfo[];
  data: ObjectInfo[];
}

/**
 * Sorts one listing of a table folder into log and data. The listing need not be atomic:
 * the version is the newest commit in it, and a file a newer-than-listed commit added is
 * found from the commit itself before that commit is copied (see `addedKeys`).
 */
export function classifyTable(objects: readonly ObjectInfo[]): TableListing {
  const listing: TableListing = { latestVersion: -1, commits: new Map(), checkpoints: [], crcs: new Map(), otherLog: [], data: [] };
  for (const o of objects) {
    if (!o.key.startsWith(LOG_PREFIX)) {
      if (isDataKey(o.key)) listing.data.push(o);
      continue;
    }
    const c = classifyLogKey(o.key);
    if (c.kind === 'commit') {
      listing.commits.set(c.version!, o);
      listing.latestVersion = Math.max(listing.latestVersion, c.version!);
    } else if (c.kind === 'checkpoint') listing.checkpoints.push({ ...o, version: c.version! });
    else if (c.kind === 'crc') listing.crcs.set(c.version!, o);
    else if (c.kind === 'last_checkpoint') listing.lastCheckpoint = o;
    else listing.otherLog.push(o);
  }
  return listing;
}

export async function listTable(store: ObjectStore): Promise<TableListing> {
  return classifyTable(await store.list(''));
}

/** Keys (relative to the table) of the files a commit's add actions name; absolute URIs are skipped. */
export function addedKeys(commitText: string): string[] {
  const out: string[] = [];
  for (const line of commitText.split('\n')) {
    if (!line.includes('"add"')) continue;
    try {
      const path = (JSON.parse(line) as { add?: { path?: unknown } }).add?.path;
      if (typeof path === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(path)) out.push(path.includes('%') ? decodeURIComponent(path) : path);
    } catch {
      // a line that is not JSON: the commit is copied as it is; readers will judge it
    }
  }
  return out;
}

/** The commit timestamp: commitInfo.timestamp when the commit carries one, else the object's modified time. */
export function commitTimestamp(text: string, fallback: Date): number {
  for (const line of text.split('\n')) {
    if (!line.includes('"commitInfo"')) continue;
    try {
      const v = JSON.parse(line) as { commitInfo?: { timestamp?: unknown } };
      if (typeof v.commitInfo?.timestamp === 'number') return v.commitInfo.timestamp;
    } catch {
      break;
    }
  }
  return fallback.getTime();
}

export function commitKeyOf(version: number): string {
  return `${LOG_PREFIX}${String(version).padStart(20, '0')}.json`;
}
