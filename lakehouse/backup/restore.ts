/**
 * Restore from a backup target into a fresh location or over a damaged one, at the newest
 * backed-up version, a chosen version, or the state as of a timestamp.
 *
 * Same ordering as a backup: data files first (each checked against the manifest's
 * checksum as it is read), the reads of the log queued behind them in the same pool; then
 * the destination's log is trimmed to the chosen version (stale `_last_checkpoint` first,
 * newer commits from the top down), then checkpoints, commits one at a time ascending,
 * `_last_checkpoint` last. Re-running a killed restore completes it.
 */
import { NotFoundError, type ObjectStore } from '../storage/object-store';
import { copyObject, objectSha256, putVerified, sha256 } from './copy';
import { LAST_CHECKPOINT, LOG_PREFIX, classifyLogKey, commitTimestamp } from './log-files';
import { type BackupManifest, type ManifestFile, type TableManifest, latestManifest, listManifests, readManifest } from './manifest';
import { Limiter, mapLimit, settleAll } from './pool';

export interface RestoreOptions {
  /** Restore from this backup run; default chosen by version/timestamp, else the newest. */
  runId?: string;
  /** Delta version to restore (single table). */
  version?: number;
  /** Restore the state as of this instant: the newest commit at or before it. */
  timestamp?: string | Date;
  /** Table names to restore from a warehouse backup; default all in the manifest. */
  tables?: string[];
  concurrency?: number;
  tmpDir?: string;
  onProgress?: (p: { table: string; filesDone: number; filesTotal: number; bytesDone: number }) => void;
  signal?: AbortSignal;
}

export interface RestoredTable {
  table: string;
  prefix: string;
  version: number;
  runId: string;
  copiedFiles: number;
  copiedBytes: number;
  removedLogFiles: number;
}

export interface RestoreResult {
  tables: RestoredTable[];
  durationMs: number;
}

export class BackupCorruptError extends Error {
  constructor(readonly key: string, readonly runId: string, detail: string) {
    super(`backup ${runId}: ${key} ${detail}; run verify and restore from an earlier backup`);
    this.name = 'BackupCorruptError';
  }
}

const join = (prefix: string, key: string): string => (prefix ? `${prefix}/${key}` : key);

/** Version of the newest commit at or before `ts`, read from the backup's own log. */
async function versionAt(backup: ObjectStore, entry: TableManifest, ts: number): Promise<number> {
  const commits = entry.files.filter((f) => f.kind === 'commit').sort((a, b) => a.version! - b.version!);
  let best = -1;
  await mapLimit(commits, 8, async (c) => {
    const key = join(entry.prefix, c.key);
    const head = await backup.head(key);
    const t = commitTimestamp(Buffer.from(await backup.get(key)).toString('utf8'), head?.modified ?? new Date(0));
    if (t <= ts) best = Math.max(best, c.version!);
  });
  if (best < 0) throw new Error(`restore of ${entry.table}: the backup holds no commit at or before ${new Date(ts).toISOString()}`);
  return best;
}

interface Choice {
  entry: TableManifest;
  runId: string;
  version: number;
}

/** Picks, per table, the manifest entry and version to restore. */
async function choose(backup: ObjectStore, opts: RestoreOptions): Promise<Choice[]> {
  // The newest state needs only the newest manifest (via the LATEST pointer): an RTO that does
  // not grow with the number of backups kept. A version or an instant may need older ones.
  const newestOnly = !opts.runId && opts.version === undefined && opts.timestamp === undefined ? await latestManifest(backup) : undefined;
  const manifests: BackupManifest[] = opts.runId
    ? [await readManifest(backup, opts.runId)]
    : newestOnly && (opts.tables ?? []).every((n) => newestOnly.tables.some((t) => t.table === n))
      ? [newestOnly]
      : await listManifests(backup);
  if (manifests.length === 0) throw new Error(`no backup manifests in ${backup.url}`);
  const newest = manifests[manifests.length - 1];
  const names = opts.tables ?? newest.tables.map((t) => t.table);
  const out: Choice[] = [];
  for (const name of names) {
    const entries = manifests.flatMap((m) => m.tables.filter((t) => t.table === name).map((t) => ({ m, t })));
    if (entries.length === 0) throw new Error(`restore: table ${name} is in no backup in ${backup.url}`);
    const latest = entries[entries.length - 1];
    let version = latest.t.version;
    if (opts.version !== undefined) version = opts.version;
    else if (opts.timestamp !== undefined) {
      const ts = new Date(opts.timestamp).getTime();
      if (Number.isNaN(ts)) throw new Error(`restore: timestamp "${String(opts.timestamp)}" is not a date`);
      version = await versionAt(backup, latest.t, ts);
    }
    // The oldest backup holding that version: newer ones may lack files vacuumed since.
    const holder = entries.find((e) => e.t.version >= version && e.t.files.some((f) => f.kind === 'commit' && f.version === version));
    if (!holder) throw new Error(`restore: no backup of ${name} holds version ${version} (backed-up versions: ${entries.map((e) => e.t.version).join(', ')})`);
    out.push({ entry: holder.t, runId: holder.m.runId, version });
  }
  return out;
}

/** Commits read ahead of the one being published. */
const COMMIT_READ_AHEAD = 64;

async function restoreTableImage(backup: ObjectStore, dest: ObjectStore, c: Choice, opts: RestoreOptions): Promise<RestoredTable> {
  const { entry, version, runId } = c;
  const src = entry.prefix ? backup.scoped(entry.prefix) : backup;
  const lastCp = entry.files.find((f) => f.kind === 'last_checkpoint');
  const wanted = entry.files.filter((f) => {
    if (f.kind === 'data' || f.kind === 'log_other') return true;
    if (f.kind === 'last_checkpoint') return f.version !== undefined && f.version <= version;
    return f.version !== undefined && f.version <= version;
  });
  const existing = new Map((await dest.list('')).map((o) => [o.key, o.size]));
  let copiedFiles = 0;
  let copiedBytes = 0;
  let filesDone = 0;
  let bytesDone = 0;
  const tick = (size: number): void => {
    filesDone++;
    bytesDone += size;
    opts.onProgress?.({ table: entry.table, filesDone, filesTotal: wanted.length, bytesDone });
  };
  const corrupt = (f: ManifestFile, detail: string) => new BackupCorruptError(join(entry.prefix, f.key), runId, detail);
  const mismatch = (f: ManifestFile, size: number, digest: string) =>
    corrupt(f, `does not match its manifest (size ${size}/${f.size}, sha256 ${digest.slice(0, 12)}…/${f.sha256.slice(0, 12)}…)`);
  const present = async (f: ManifestFile): Promise<boolean> => existing.get(f.key) === f.size && (await objectSha256(dest, f.key, f.size)) === f.sha256;
  const missing = (f: ManifestFile) => (err: unknown) => {
    throw err instanceof NotFoundError ? corrupt(f, 'is missing from the backup') : err;
  };

  /** A data file: copied unless the destination holds the same bytes; checked against the manifest in flight. */
  const putData = async (f: ManifestFile): Promise<void> => {
    if (await present(f)) return tick(f.size);
    const r = await copyObject(src, dest, f.key, { size: f.size, tmpDir: opts.tmpDir }).catch(missing(f));
    if (r.sha256 !== f.sha256 || r.size !== f.size) throw mismatch(f, r.size, r.sha256);
    copiedFiles++;
    copiedBytes += r.size;
    tick(f.size);
  };
  /** A log file read from the backup and checked against the manifest before anything is written. */
  const fetchLog = async (f: ManifestFile): Promise<Uint8Array> => {
    const body = await src.get(f.key).catch(missing(f));
    const digest = sha256(body);
    if (digest !== f.sha256 || body.byteLength !== f.size) throw mismatch(f, body.byteLength, digest);
    return body;
  };
  const publish = async (f: ManifestFile, body: Uint8Array): Promise<void> => {
    if (!(await present(f))) {
      await putVerified(dest, f.key, body, f.sha256);
      copiedFiles++;
      copiedBytes += f.size;
    }
    tick(f.size);
  };

  // Data copies first in the pool, the reads of the log queued behind them.
  const pool = new Limiter(opts.concurrency ?? 4, opts.signal);
  const logFiles = wanted.filter((f) => f.kind === 'checkpoint' || f.kind === 'crc' || f.kind === 'log_other');
  const commits = wanted.filter((w) => w.kind === 'commit').sort((a, b) => a.version! - b.version!);
  const withLast = lastCp && lastCp.version !== undefined && lastCp.version <= version ? lastCp : undefined;
  const dataTasks = wanted.filter((f) => f.kind === 'data').map((f) => pool.run(() => putData(f)));
  const logTasks = logFiles.map((f) => pool.run(() => fetchLog(f)));
  const lastTask = withLast ? pool.run(() => fetchLog(withLast)) : Promise.resolve(undefined);
  const commitTasks: Array<Promise<Uint8Array>> = [];
  const readCommit = (i: number): void => {
    if (i < commits.length && commitTasks[i] === undefined) {
      commitTasks[i] = pool.run(() => fetchLog(commits[i]));
      commitTasks[i].catch(() => undefined); // awaited in order below; failures surface there
    }
  };
  for (let i = 0; i < Math.min(COMMIT_READ_AHEAD, commits.length); i++) readCommit(i);
  for (const t of [...logTasks, lastTask]) t.catch(() => undefined);
  await settleAll(dataTasks);

  // Trim the destination's log to `version`: whatever is not part of the restored image goes,
  // the pointer first and newer commits from the top, so readers never see a gap.
  const keep = new Set(wanted.map((f) => f.key));
  const stale = [...existing.keys()]
    .filter((k) => k.startsWith(LOG_PREFIX) && !keep.has(k))
    .map((k) => ({ k, c: classifyLogKey(k) }))
    .filter(({ c }) => c.kind !== 'log_other')
    .sort((a, b) => (a.c.kind === 'last_checkpoint' ? -1 : b.c.kind === 'last_checkpoint' ? 1 : (b.c.version ?? 0) - (a.c.version ?? 0)));
  for (const { k } of stale) await dest.delete(k);

  const fetched = await settleAll(logTasks);
  await settleAll(logFiles.map((f, i) => pool.run(() => publish(f, fetched[i]))));
  for (let i = 0; i < commits.length; i++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    readCommit(i + COMMIT_READ_AHEAD);
    const body = await commitTasks[i];
    commitTasks[i] = Promise.resolve(new Uint8Array(0)); // let the body go
    await publish(commits[i], body);
  }
  const last = await lastTask;
  if (withLast && last) await publish(withLast, last);
  else if (existing.has(LAST_CHECKPOINT) && !keep.has(LAST_CHECKPOINT)) await dest.delete(LAST_CHECKPOINT);
  return { table: entry.table, prefix: entry.prefix, version, runId, copiedFiles, copiedBytes, removedLogFiles: stale.length };
}

/**
 * Restores from `backup` (the backup root, or a table folder for a single-table backup)
 * into `dest` (same layout). Tables land at their prefix under `dest`.
 */
export async function restoreFromBackup(backup: ObjectStore, dest: ObjectStore, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const started = Date.now();
  const choices = await choose(backup, opts);
  if (opts.version !== undefined && choices.length !== 1) throw new Error('restore: --version applies to one table; name it with tables: [name]');
  const tables = await mapLimit(choices, 2, (c) => restoreTableImage(backup, c.entry.prefix ? dest.scoped(c.entry.prefix) : dest, c, opts), opts.signal);
  return { tables, durationMs: Date.now() - started };
}
