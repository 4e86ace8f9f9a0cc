/**
 * Restore from a backup target into a fresh location or over a damaged one, at the newest
 * backed-up version, a chosen version, or the state as of a timestamp.
 *
 * Same ordering as a backup: data files first (each checked against the manifest's
 * checksum as it is read), then the destination's log is trimmed to the chosen version
 * (stale `_last_checkpoint` first, newer commits from the top down), then checkpoints and
 * commits ascending, `_last_checkpoint` last. Re-running a killed restore completes it.
 */
import { NotFoundError, type ObjectStore } from '../storage/object-store';
import { copyObject, objectSha256 } from './copy';
import { LAST_CHECKPOINT, LOG_PREFIX, classifyLogKey, commitTimestamp } from './log-files';
import { type BackupManifest, type ManifestFile, type TableManifest, listManifests, readManifest } from './manifest';
import { mapLimit } from './pool';

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
  const manifests: BackupManifest[] = opts.runId ? [await readManifest(backup, opts.runId)] : await listManifests(backup);
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
  const put = async (f: ManifestFile): Promise<void> => {
    if (existing.get(f.key) === f.size && (await objectSha256(dest, f.key, f.size)) === f.sha256) return tick(f.size);
    const r = await copyObject(src, dest, f.key, { size: f.size, tmpDir: opts.tmpDir }).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new BackupCorruptError(join(entry.prefix, f.key), runId, 'is missing from the backup');
      throw err;
    });
    if (r.sha256 !== f.sha256 || r.size !== f.size) throw new BackupCorruptError(join(entry.prefix, f.key), runId, `does not match its manifest (size ${r.size}/${f.size}, sha256 ${r.sha256.slice(0, 12)}…/${f.sha256.slice(0, 12)}…)`);
    copiedFiles++;
    copiedBytes += r.size;
    tick(f.size);
  };

  await mapLimit(wanted.filter((f) => f.kind === 'data'), opts.concurrency ?? 4, put, opts.signal);

  // Trim the destination's log to `version`: whatever is not part of the restored image goes,
  // the pointer first and newer commits from the top, so readers never see a gap.
  const keep = new Set(wanted.map((f) => f.key));
  const stale = [...existing.keys()]
    .filter((k) => k.startsWith(LOG_PREFIX) && !keep.has(k))
    .map((k) => ({ k, c: classifyLogKey(k) }))
    .filter(({ c }) => c.kind !== 'log_other')
    .sort((a, b) => (a.c.kind === 'last_checkpoint' ? -1 : b.c.kind === 'last_checkpoint' ? 1 : (b.c.version ?? 0) - (a.c.version ?? 0)));
  for (const { k } of stale) await dest.delete(k);

  await mapLimit(wanted.filter((f) => f.kind === 'checkpoint' || f.kind === 'crc' || f.kind === 'log_other'), opts.concurrency ?? 4, put, opts.signal);
  for (const f of wanted.filter((w) => w.kind === 'commit').sort((a, b) => a.version! - b.version!)) await put(f);
  if (lastCp && lastCp.version !== undefined && lastCp.version <= version) await put(lastCp);
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
