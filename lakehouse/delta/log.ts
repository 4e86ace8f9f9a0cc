/**
 * Reading `_delta_log/`: which commits and checkpoints exist, commit files parsed into actions,
 * and `_last_checkpoint`. Only the ObjectStore interface is used, so it runs on any backend.
 */
import type { ObjectInfo, ObjectStore } from '../storage/object-store';
import { NotFoundError } from '../storage/object-store';
import { commitKey, parseCommit, type Action, type CommitInfo, LAST_CHECKPOINT_KEY } from './actions';
import { LogError } from './errors';

export interface CheckpointRef {
  version: number;
  /** Keys of the part files, in part order (one for a classic checkpoint). */
  keys: string[];
  size: number;
}

export interface LastCheckpoint {
  version: number;
  size?: number;
  parts?: number;
  sizeInBytes?: number;
  numOfAddFiles?: number;
  [key: string]: unknown;
}

export interface LogListing {
  /** version -> commit file info */
  commits: Map<number, ObjectInfo>;
  /** Complete checkpoints by version. */
  checkpoints: Map<number, CheckpointRef>;
  lastCheckpoint?: LastCheckpoint;
  /** Highest version seen in commits or checkpoints; -1 for an empty log. */
  latest: number;
  /** Lowest version the listing covers: 0 for the whole log; older versions were not listed. */
  from: number;
}

const COMMIT_RE = /^_delta_log\/(\d{20})\.json$/;
const CLASSIC_CP_RE = /^_delta_log\/(\d{20})\.checkpoint\.parquet$/;
const MULTIPART_CP_RE = /^_delta_log\/(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2_CP_RE = /^_delta_log\/(\d{20})\.checkpoint\.[^.]+\.(json|parquet)$/;

export async function readLastCheckpoint(store: ObjectStore, table: string): Promise<LastCheckpoint | undefined> {
  let text: string;
  try {
    text = Buffer.from(await store.get(LAST_CHECKPOINT_KEY)).toString('utf8');
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  try {
    const v = JSON.parse(text) as LastCheckpoint;
    if (typeof v.version !== 'number') throw new Error('no numeric version');
    return v;
  } catch (err) {
    throw new LogError(table, undefined, LAST_CHECKPOINT_KEY, `unreadable _last_checkpoint: ${(err as Error).message}`);
  }
}

const LOG_PREFIX = '_delta_log/';

/** Lists the log files of `version` and after: every one of them starts with this key plus '.'. */
function startAfterVersion(version: number): string {
  return `${LOG_PREFIX}${String(version).padStart(20, '0')}`;
}

/**
 * List the log, whole by default. With `fromVersion`, only the files of that version and later
 * are listed and _last_checkpoint is not read: what a snapshot update needs. With `forVersion`
 * (a snapshot load; 'latest' for the newest), _last_checkpoint is read and, when the wanted version
 * is at or after the checkpoint it names, the listing starts at that checkpoint, as delta-rs and
 * Spark list. Both cost what the recent log holds, not the age of the table.
 */
export async function listLog(store: ObjectStore, table: string, opts: { fromVersion?: number; forVersion?: number | 'latest' } = {}): Promise<LogListing> {
  if (opts.fromVersion !== undefined) return classify(await store.list(LOG_PREFIX, { startAfter: startAfterVersion(opts.fromVersion) }), undefined, opts.fromVersion);
  // _last_checkpoint first, then the listing: a checkpoint is written before its pointer, so the
  // listing then always holds the checkpoint it names (reading both at once could race a writer).
  const lastCheckpoint = await readLastCheckpoint(store, table);
  const want = opts.forVersion;
  if (lastCheckpoint && lastCheckpoint.version > 0 && want !== undefined && (want === 'latest' || want >= lastCheckpoint.version)) {
    const from = lastCheckpoint.version;
    return classify(await store.list(LOG_PREFIX, { startAfter: startAfterVersion(from) }), lastCheckpoint, from);
  }
  return classify(await store.list(LOG_PREFIX), lastCheckpoint, 0);
}

function classify(objects: ObjectInfo[], lastCheckpoint: LastCheckpoint | undefined, from: number): LogListing {
  const commits = new Map<number, ObjectInfo>();
  const checkpoints = new Map<number, CheckpointRef>();
  const multipart = new Map<string, { version: number; total: number; parts: Map<number, ObjectInfo> }>();
  let latest = -1;
  for (const o of objects) {
    let m = COMMIT_RE.exec(o.key);
    if (m) {
      const v = Number(m[1]);
      commits.set(v, o);
      latest = Math.max(latest, v);
      continue;
    }
    m = CLASSIC_CP_RE.exec(o.key);
    if (m) {
      const v = Number(m[1]);
      checkpoints.set(v, { version: v, keys: [o.key], size: o.size });
      latest = Math.max(latest, v);
      continue;
    }
    m = MULTIPART_CP_RE.exec(o.key);
    if (m) {
      const v = Number(m[1]);
      const id = `${v}/${Number(m[3])}`;
      const entry = multipart.get(id) ?? { version: v, total: Number(m[3]), parts: new Map() };
      entry.parts.set(Number(m[2]), o);
      multipart.set(id, entry);
      continue;
    }
    // V2 (UUID-named) checkpoints need the v2Checkpoint reader feature, which we refuse; skip them here.
    if (V2_CP_RE.test(o.key)) continue;
  }
  for (const mp of multipart.values()) {
    if (mp.parts.size !== mp.total || checkpoints.has(mp.version)) continue; // incomplete: a writer died mid-way
    const keys: string[] = [];
    let size = 0;
    for (let i = 1; i <= mp.total; i++) {
      const part = mp.parts.get(i)!;
      keys.push(part.key);
      size += part.size;
    }
    checkpoints.set(mp.version, { version: mp.version, keys, size });
    latest = Math.max(latest, mp.version);
  }
  return { commits, checkpoints, lastCheckpoint, latest, from };
}

/** Read and parse one commit file. */
export async function readCommit(store: ObjectStore, version: number, table: string): Promise<Action[]> {
  const key = commitKey(version);
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (err) {
    if (err instanceof NotFoundError) throw new LogError(table, version, key, 'commit file missing from the log', { cause: err });
    throw err;
  }
  return parseCommit(Buffer.from(bytes).toString('utf8'), { table, version, file: key });
}

export interface LogEntry {
  version: number;
  actions: Action[];
  /** commitInfo.timestamp when present, else the commit file's modification time (ms). */
  timestamp: number;
  commitInfo?: CommitInfo;
}

/**
 * Commits in [from, to], in version order, checking the sequence is contiguous.
 * Fetches a few at a time: on object stores latency, not bandwidth, dominates.
 */
export async function readLog(
  store: ObjectStore,
  opts: { table?: string; from?: number; to?: number; listing?: LogListing; concurrency?: number } = {},
): Promise<LogEntry[]> {
  const table = opts.table ?? store.url;
  const listing = opts.listing ?? (await listLog(store, table));
  const from = opts.from ?? listing.from;
  const to = opts.to ?? listing.latest;
  const versions: number[] = [];
  for (let v = from; v <= to; v++) {
    if (!listing.commits.has(v)) throw new LogError(table, v, commitKey(v), `version ${v} is missing from the log sequence`);
    versions.push(v);
  }
  const out: LogEntry[] = new Array(versions.length);
  const concurrency = opts.concurrency ?? 16;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < versions.length) {
      const i = next++;
      const v = versions[i];
      const actions = await readCommit(store, v, table);
      const info = actions.find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a)?.commitInfo;
      const ts = typeof info?.timestamp === 'number' ? info.timestamp : listing.commits.get(v)!.modified.getTime();
      out[i] = { version: v, actions, timestamp: ts, commitInfo: info };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, versions.length) }, worker));
  return out;
}

/** Commit timestamps made strictly increasing, as Spark does, so timestamp -> version is well defined. */
export function monotonicTimestamps(entries: Array<{ version: number; timestamp: number }>): Map<number, number> {
  const out = new Map<number, number>();
  let prev = -Infinity;
  for (const e of [...entries].sort((a, b) => a.version - b.version)) {
    const ts = e.timestamp <= prev ? prev + 1 : e.timestamp;
    out.set(e.version, ts);
    prev = ts;
  }
  return out;
}
