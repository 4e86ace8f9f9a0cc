/**
 * A snapshot: the table state at one version, from the newest usable checkpoint plus the
 * commits after it. Also the protocol check (what we can read and write).
 */
import type { ObjectStore } from '../storage/object-store';
import {
  checkpointKey,
  decodePath,
  LAST_CHECKPOINT_KEY,
  type Action,
  type AddFile,
  type Metadata,
  type Protocol,
  type RemoveFile,
} from './actions';
import { LogError, TableNotFoundError, UnsupportedFeatureError } from './errors';
import { listLog, monotonicTimestamps, readLog, type LogEntry, type LogListing } from './log';
import { checkpointSize, type CheckpointActions, type CheckpointIO } from './parquet';
import { schemaFromJson, type Field } from './schema';

/** Reader features we read correctly (PROTOCOL.md "Table Features"). */
export const SUPPORTED_READER_FEATURES = new Set(['timestampNtz', 'vacuumProtocolCheck']);
/** Writer features whose rules our writes keep (or which only concern other operations). */
export const SUPPORTED_WRITER_FEATURES = new Set(['timestampNtz', 'vacuumProtocolCheck', 'appendOnly', 'invariants']);

export class Snapshot {
  private readonly list: readonly AddFile[];
  private map?: ReadonlyMap<string, AddFile>;
  constructor(
    readonly table: string,
    readonly version: number,
    readonly protocol: Protocol,
    readonly metadata: Metadata,
    /** The active files (each path once). */
    files: readonly AddFile[],
    readonly txns: Map<string, number>,
    /** Removes still within retention, kept for checkpoints (vacuum uses them). */
    readonly tombstones: Map<string, RemoveFile>,
    /** Commit timestamp of `version` (see docs: commitInfo.timestamp, else file mtime). */
    readonly timestamp: number,
  ) {
    this.list = files;
  }

  /** The active files, a fresh array (callers may sort or filter it). */
  get files(): AddFile[] {
    return this.list.slice();
  }

  /** Active files keyed by decoded path: built on first use, as loading needs no index of every path. */
  get fileMap(): ReadonlyMap<string, AddFile> {
    return (this.map ??= new Map(this.list.map((f) => [decodePath(f.path), f])));
  }

  /** The active files without a copy: for replay on top of this snapshot. */
  get fileList(): readonly AddFile[] {
    return this.list;
  }

  get schema(): Field[] {
    return schemaFromJson(this.metadata.schemaString, this.table);
  }

  get partitionColumns(): string[] {
    return this.metadata.partitionColumns;
  }

  get properties(): Record<string, string> {
    return this.metadata.configuration ?? {};
  }
}

export interface LoadOptions {
  table?: string;
  version?: number;
  /** ms since epoch, ISO string or Date: the latest version committed at or before it. */
  timestamp?: number | string | Date;
  io: CheckpointIO;
  listing?: LogListing;
}

export async function loadSnapshot(store: ObjectStore, opts: LoadOptions): Promise<Snapshot> {
  const table = opts.table ?? store.url;
  // Latest or a version: the log from _last_checkpoint's checkpoint on is enough when the version is
  // at or after it. A timestamp needs every commit's time, so the whole log.
  let listing = opts.listing ?? (await listLog(store, table, { forVersion: opts.timestamp === undefined ? (opts.version ?? 'latest') : undefined }));
  if (listing.from > 0 && (opts.timestamp !== undefined || (opts.version !== undefined && opts.version < listing.from))) listing = await listLog(store, table);
  const last = listing.lastCheckpoint;
  const timeTravel = opts.version !== undefined || opts.timestamp !== undefined;
  const missingCheckpoint = (): LogError =>
    new LogError(table, last!.version, checkpointKey(last!.version), `${LAST_CHECKPOINT_KEY} points to a checkpoint that is not in the log`);
  if (last && !timeTravel && !listing.checkpoints.has(last.version)) throw missingCheckpoint();
  if (listing.latest < 0) throw new TableNotFoundError(table, store.url);

  let target = opts.version ?? listing.latest;
  if (opts.timestamp !== undefined) target = await versionAt(store, table, listing, toMillis(opts.timestamp, table));
  if (target > listing.latest || target < 0) {
    throw new LogError(table, target, undefined, `version ${target} does not exist (latest is ${listing.latest})`);
  }
  if (last && last.version <= target && !listing.checkpoints.has(last.version)) throw missingCheckpoint();

  // Newest complete checkpoint at or before the target.
  let cp: number | undefined;
  for (const v of listing.checkpoints.keys()) if (v <= target && (cp === undefined || v > cp)) cp = v;

  const state = new ReplayState(table);
  if (cp === undefined && !listing.commits.has(0)) {
    const first = Math.min(...listing.commits.keys());
    throw new LogError(table, 0, undefined, `no checkpoint and the log starts at version ${first}: earlier commits were removed`);
  }
  const fromVersion = cp === undefined ? 0 : cp + 1;
  // The JSON commits after the checkpoint are fetched while DuckDB reads the checkpoint; they are
  // applied after it, and a checkpoint error is reported first, as in a sequential read.
  const commits = target >= fromVersion ? readLog(store, { table, from: fromVersion, to: target, listing }) : Promise.resolve([]);
  commits.catch(() => undefined); // observed below, unless the checkpoint fails first
  if (cp !== undefined) {
    const ref = listing.checkpoints.get(cp)!;
    let content: CheckpointActions;
    try {
      content = await opts.io.readCheckpoint(store, ref.keys);
    } catch (err) {
      throw new LogError(table, cp, ref.keys[0], `unreadable checkpoint: ${(err as Error).message}`, { cause: err });
    }
    const size = checkpointSize(content);
    if (last && last.version === cp && typeof last.size === 'number' && last.size !== size) {
      throw new LogError(table, cp, ref.keys[0], `checkpoint holds ${size} actions but ${LAST_CHECKPOINT_KEY} says ${last.size}`);
    }
    state.applyCheckpoint(content, cp);
  }
  const entries = await commits;
  for (const e of entries) for (const a of e.actions) state.apply(a, e.version);

  if (!state.protocol) throw new LogError(table, target, undefined, 'no protocol action in the log');
  if (!state.metadata) throw new LogError(table, target, undefined, 'no metaData action in the log');
  checkReadable(table, target, state.protocol, state.metadata);

  const timestamp = entries.length > 0 ? entries[entries.length - 1].timestamp : (listing.commits.get(target)?.modified.getTime() ?? 0);
  return new Snapshot(table, target, state.protocol, state.metadata, state.activeFiles(), state.txns, state.tombstones, timestamp);
}

/**
 * Log replay. The files are a reconciled `base` (a checkpoint's adds, or the snapshot being
 * updated) plus what later commits changed: adds by decoded path, and the base paths they touched.
 * So a load from a checkpoint hashes the base's 50,000 paths only when later commits touched any,
 * and never builds a map of them.
 */
class ReplayState {
  protocol?: Protocol;
  metadata?: Metadata;
  base: readonly AddFile[] = [];
  /** Files added since the base, by decoded path. */
  files = new Map<string, AddFile>();
  /** Decoded paths added or removed since the base (only tracked over a non-empty base). */
  touched = new Set<string>();
  tombstones = new Map<string, RemoveFile>();
  txns = new Map<string, number>();
  constructor(readonly table: string) {}

  /** A checkpoint's state, as the base of a fresh replay; protocol first, to refuse early. */
  applyCheckpoint(c: CheckpointActions, version: number): void {
    for (const protocol of c.protocols) this.apply({ protocol }, version);
    for (const metaData of c.metadata) this.metadata = metaData;
    for (const t of c.txns) this.txns.set(t.appId, t.version);
    for (const rm of c.removes) this.tombstones.set(decodePath(rm.path), rm);
    // A reconciled checkpoint has no tombstone for a live file; if one has, the remove wins (as in replay order).
    this.base = c.removes.length === 0 ? c.adds : c.adds.filter((a) => !this.tombstones.has(decodePath(a.path)));
  }

  apply(a: Action, version: number): void {
    if ('add' in a) {
      const key = decodePath(a.add.path);
      this.files.set(key, a.add);
      if (this.base.length > 0) this.touched.add(key);
      this.tombstones.delete(key);
    } else if ('remove' in a) {
      const key = decodePath(a.remove.path);
      this.files.delete(key);
      if (this.base.length > 0) this.touched.add(key);
      this.tombstones.set(key, a.remove);
    } else if ('metaData' in a) {
      this.metadata = a.metaData;
    } else if ('protocol' in a) {
      this.protocol = a.protocol;
      // Refuse as soon as the protocol is beyond us: later actions may already depend on it.
      checkReadable(this.table, version, a.protocol, undefined);
    } else if ('txn' in a) {
      this.txns.set(a.txn.appId, a.txn.version);
    }
  }

  /** The active files: the base minus what later commits touched, then the later adds. */
  activeFiles(): readonly AddFile[] {
    if (this.files.size === 0 && this.touched.size === 0) return this.base;
    let out: AddFile[];
    if (this.touched.size === 0) out = this.base.slice();
    else {
      // Most base paths are not touched: a few characters rule them out before any hashing.
      const maybe = new Uint8Array(FINGERPRINTS);
      for (const key of this.touched) maybe[fingerprint(key)] = 1;
      out = this.base.filter((f) => {
        const key = f.path.includes('%') ? decodePath(f.path) : f.path;
        return maybe[fingerprint(key)] === 0 || !this.touched.has(key);
      });
    }
    for (const f of this.files.values()) out.push(f);
    return out;
  }
}

const FINGERPRINTS = 1 << 12;

/** A cheap fingerprint of a path: its length and characters spread over its last 60 (file names and partitions differ there). */
function fingerprint(key: string): number {
  let h = key.length;
  for (let back = 5; back < 60 && back < key.length; back += 9) h = (h * 31 + key.charCodeAt(key.length - 1 - back)) | 0;
  return h & (FINGERPRINTS - 1);
}

/** Throw UnsupportedFeatureError when a reader could return wrong rows for this protocol. */
export function checkReadable(table: string, version: number, p: Protocol, m: Metadata | undefined): void {
  if (p.minReaderVersion > 3) throw new UnsupportedFeatureError(table, `readerVersion ${p.minReaderVersion}`, version);
  if (p.minReaderVersion === 2) {
    const mode = m?.configuration?.['delta.columnMapping.mode'];
    if (mode && mode !== 'none') throw new UnsupportedFeatureError(table, 'columnMapping', version);
  }
  if (p.minReaderVersion === 3) {
    for (const f of p.readerFeatures ?? []) if (!SUPPORTED_READER_FEATURES.has(f)) throw new UnsupportedFeatureError(table, f, version);
  }
}

/** Throw UnsupportedFeatureError when our writes could break a rule this protocol demands. */
export function checkWritable(table: string, version: number, p: Protocol, fields: Field[]): void {
  checkReadable(table, version, p, undefined);
  const legacy: Record<number, string> = { 3: 'checkConstraints', 4: 'generatedColumns/changeDataFeed', 5: 'columnMapping', 6: 'identityColumns' };
  if (p.minWriterVersion > 2 && p.minWriterVersion < 7) throw new UnsupportedFeatureError(table, `writerVersion ${p.minWriterVersion} (${legacy[p.minWriterVersion]})`, version);
  if (p.minWriterVersion > 7) throw new UnsupportedFeatureError(table, `writerVersion ${p.minWriterVersion}`, version);
  if (p.minWriterVersion === 7) {
    for (const f of p.writerFeatures ?? []) if (!SUPPORTED_WRITER_FEATURES.has(f)) throw new UnsupportedFeatureError(table, f, version);
  }
  for (const f of fields) {
    if (f.metadata && 'delta.invariants' in f.metadata) throw new UnsupportedFeatureError(table, `invariants (column ${f.name})`, version);
  }
}

function toMillis(t: number | string | Date, table: string): number {
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Date.parse(t);
  if (!Number.isFinite(ms)) throw new LogError(table, undefined, undefined, `invalid timestamp ${String(t)}`);
  return ms;
}

/** The latest version whose commit timestamp is <= ts; an error when ts precedes the first commit. */
export async function versionAt(store: ObjectStore, table: string, listing: LogListing, ts: number): Promise<number> {
  const versions = [...listing.commits.keys()].sort((a, b) => a - b);
  if (versions.length === 0) throw new TableNotFoundError(table, store.url);
  // Read only the contiguous tail of commits that still exist (older ones may be cleaned up).
  let start = versions.length - 1;
  while (start > 0 && versions[start - 1] === versions[start] - 1) start--;
  const entries: LogEntry[] = await readLog(store, { table, from: versions[start], to: versions[versions.length - 1], listing });
  const times = monotonicTimestamps(entries);
  let found: number | undefined;
  for (const e of entries) if (times.get(e.version)! <= ts) found = e.version;
  if (found === undefined) {
    throw new LogError(table, versions[start], undefined, `timestamp ${new Date(ts).toISOString()} is before the earliest available commit (${new Date(times.get(versions[start])!).toISOString()})`);
  }
  return found;
}

export type { LogEntry };

/**
 * Advance a snapshot to the latest version by replaying only the newer commits (no checkpoint
 * read), or return it unchanged when nothing was committed since.
 */
export async function updateSnapshot(store: ObjectStore, snap: Snapshot, opts: { io: CheckpointIO; listing?: LogListing }): Promise<Snapshot> {
  const listing = opts.listing ?? (await listLog(store, snap.table, { fromVersion: snap.version }));
  // Our version vanished (the table was replaced) or newer commits are missing (cleaned up
  // behind a checkpoint): a full load decides.
  if (!listing.commits.has(snap.version) || listing.latest < snap.version) return loadSnapshot(store, { table: snap.table, io: opts.io });
  if (listing.latest === snap.version) return snap;
  for (let v = snap.version + 1; v <= listing.latest; v++) {
    if (!listing.commits.has(v)) return loadSnapshot(store, { table: snap.table, io: opts.io });
  }
  const state = new ReplayState(snap.table);
  state.protocol = snap.protocol;
  state.metadata = snap.metadata;
  state.base = snap.fileList;
  state.tombstones = new Map(snap.tombstones);
  state.txns = new Map(snap.txns);
  const entries = await readLog(store, { table: snap.table, from: snap.version + 1, to: listing.latest, listing });
  for (const e of entries) for (const a of e.actions) state.apply(a, e.version);
  checkReadable(snap.table, listing.latest, state.protocol!, state.metadata);
  return new Snapshot(snap.table, listing.latest, state.protocol!, state.metadata!, state.activeFiles(), state.txns, state.tombstones, entries[entries.length - 1].timestamp);
}
