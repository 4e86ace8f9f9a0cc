/**
 * Incremental, consistent backups of Delta tables between two ObjectStores.
 *
 * Order is what keeps the target valid at every instant: data files first (in parallel,
 * bounded), then checkpoints, then commits one by one in ascending order, `_last_checkpoint`
 * last. A backup killed at any point leaves the target at the last commit it wrote, whose
 * files are already there; re-running skips what is present (key + size, checksum from the
 * previous manifest or a re-read) and completes. The manifest is written only at the end.
 * Each side is listed once per run; checksums are taken from the bytes in flight and, into
 * S3, checked by the target server on the same PUT (see copy.ts).
 */
import type { ObjectInfo, ObjectStore } from '../storage/object-store';
import { NotFoundError } from '../storage/object-store';
import { copyObject, objectSha256, putVerified, sha256 } from './copy';
import { LAST_CHECKPOINT, addedKeys, classifyTable, commitTimestamp, type TableListing } from './log-files';
import { type BackupManifest, type ManifestFile, type TableManifest, latestManifest, newRunId, writeLatest, writeManifest } from './manifest';
import { Limiter, mapLimit, settleAll } from './pool';

export interface BackupProgress {
  runId: string;
  table: string;
  phase: 'list' | 'data' | 'log' | 'done';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** Files actually copied so far (the rest were already in the target). */
  copiedFiles: number;
}

export interface BackupOptions {
  /** Label of the table in the manifest (a single-table backup). */
  table?: string;
  runId?: string;
  /** Parallel object copies (default 4). */
  concurrency?: number;
  tmpDir?: string;
  onProgress?: (p: BackupProgress) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

export class BackupDivergedError extends Error {
  constructor(readonly table: string, readonly key: string, readonly target: string) {
    super(`backup of ${table}: ${target} holds a different ${key} than the source (the table was recreated or the target belongs to another table); back up to a fresh target`);
    this.name = 'BackupDivergedError';
  }
}

/** Retries a transient failure a few times; a missing source object is not transient. */
async function withRetry<T>(what: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await what();
    } catch (err) {
      if (err instanceof NotFoundError || (err as { retryable?: boolean }).retryable === false || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}

interface TableImageOptions extends BackupOptions {
  runId: string;
  table: string;
  prefix: string;
  /** The table's entry in the newest earlier manifest: known checksums. */
  previous?: TableManifest;
  /** One listing of the source table (keys relative to it), when the caller listed a whole warehouse. */
  sourceObjects?: readonly ObjectInfo[];
  /** One listing of the target folder, likewise. */
  targetObjects?: readonly ObjectInfo[];
  /** When sourceObjects' listing began (ms). */
  listedAt?: number;
}

/** Commits read ahead of the one being published (bounded memory on a long log). */
const COMMIT_READ_AHEAD = 64;
/**
 * How far apart the clocks of an S3 client and server may be (S3 refuses requests beyond
 * it). A commit stored longer than this before the listing began added only files written
 * before the listing began: the listing shows them unless they were deleted since.
 */
const CLOCK_SKEW_MS = 15 * 60_000;

/** Body and checksum of a log file read from the source; undefined when it vanished meanwhile. */
interface Fetched {
  body: Uint8Array;
  digest: string;
}

/**
 * Backs up one table folder (source) into one folder (target); returns its manifest entry.
 *
 * One listing per side. Data copies and the reads of the log share one pool of `concurrency`
 * (the log reads queued behind the data, filling its tail); the log is then published in
 * order, each file only if the target lacks it: checkpoints and the like, commits one at a
 * time ascending (after copying any file a commit adds that the listing missed), and
 * `_last_checkpoint` last.
 */
export async function backupTableImage(source: ObjectStore, target: ObjectStore, opts: TableImageOptions): Promise<TableManifest> {
  const concurrency = opts.concurrency ?? 4;
  const progress: BackupProgress = { runId: opts.runId, table: opts.table, phase: 'list', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, copiedFiles: 0 };
  const report = (): void => opts.onProgress?.({ ...progress });
  report();

  // a listing of unknown age: check the adds of every commit the target lacks
  const listedAt = opts.listedAt ?? (opts.sourceObjects ? 0 : Date.now());
  const [sourceObjects, targetObjects] = await Promise.all([opts.sourceObjects ?? source.list(''), opts.targetObjects ?? target.list('')]);
  const listing: TableListing = classifyTable(sourceObjects);
  if (listing.latestVersion < 0) throw new Error(`backup of ${opts.table}: no Delta table at ${source.url} (no _delta_log commits)`);
  const version = listing.latestVersion;
  const existing = new Map(targetObjects.map((o) => [o.key, o.size]));
  const known = new Map((opts.previous?.files ?? []).map((f) => [f.key, f]));

  /** Checksum of the target's copy when it already matches by key and size, else undefined. */
  const presentSha = async (key: string, size: number): Promise<string | undefined> => {
    if (existing.get(key) !== size) return undefined;
    const k = known.get(key);
    if (k && k.size === size) return k.sha256;
    const digest = await withRetry(() => objectSha256(target, key, size));
    known.set(key, { key, kind: 'data', size, sha256: digest });
    return digest;
  };
  /** What the target holds at `key`: its checksum, 'different' (another size) or undefined (nothing). */
  const targetState = async (key: string, size: number): Promise<string | undefined> => (existing.get(key) === size ? presentSha(key, size) : existing.has(key) ? 'different' : undefined);

  const logFiles: Array<{ o: ObjectInfo; kind: ManifestFile['kind']; version?: number }> = [
    ...listing.checkpoints.filter((c) => c.version <= version).map((c) => ({ o: c as ObjectInfo, kind: 'checkpoint' as const, version: c.version })),
    ...[...listing.crcs].filter(([v]) => v <= version).map(([v, o]) => ({ o, kind: 'crc' as const, version: v })),
    ...listing.otherLog.map((o) => ({ o, kind: 'log_other' as const })),
  ];
  const commits = [...listing.commits].filter(([v]) => v <= version).sort((a, b) => a[0] - b[0]);
  progress.filesTotal = listing.data.length + logFiles.length + commits.length;
  progress.bytesTotal = [...listing.data, ...logFiles.map((l) => l.o), ...commits.map(([, o]) => o)].reduce((s, o) => s + o.size, 0);
  progress.phase = 'data';
  report();

  let copiedFiles = 0;
  let copiedBytes = 0;
  const done = (size: number): void => {
    progress.copiedFiles = copiedFiles;
    progress.filesDone++;
    progress.bytesDone += size;
    report();
  };
  const pool = new Limiter(concurrency, opts.signal);

  // A data file is immutable, so key + size identifies it. One vacuumed from the source since
  // the listing was not referenced by this version: skip it.
  const copyData = async (key: string, size: number | undefined): Promise<ManifestFile | undefined> => {
    try {
      let digest = size === undefined ? undefined : await presentSha(key, size);
      if (digest === undefined) {
        const r = await withRetry(() => copyObject(source, target, key, { size, tmpDir: opts.tmpDir }));
        digest = r.sha256;
        size = r.size;
        existing.set(key, r.size);
        known.set(key, { key, kind: 'data', size: r.size, sha256: r.sha256 });
        copiedFiles++;
        copiedBytes += r.size;
      }
      done(size!);
      return { key, kind: 'data', size: size!, sha256: digest };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  };
  const fetchLog = async (key: string): Promise<Fetched | undefined> => {
    try {
      const body = await withRetry(() => source.get(key));
      return { body, digest: sha256(body) };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined; // cleaned up by log retention meanwhile
      throw err;
    }
  };

  // 1. One pool: the first commits are read first (small, and they say which commit adds which
  //    file), then the data copies, then the other log files' reads. A failed read surfaces
  //    where the commit is published.
  const owner = new Map<string, number>(); // data key -> lowest version among the read commits that add it
  const commitTasks: Array<Promise<Fetched | undefined>> = [];
  const readCommit = (i: number): void => {
    if (i >= commits.length || commitTasks[i] !== undefined) return;
    const [v, o] = commits[i];
    commitTasks[i] = pool.run(async () => {
      const f = await fetchLog(o.key);
      for (const k of f ? addedKeys(Buffer.from(f.body).toString('utf8')) : []) if (!(owner.get(k)! <= v)) owner.set(k, v);
      return f;
    });
    commitTasks[i].catch(() => undefined); // awaited in order below; failures surface there
  };
  for (let i = 0; i < Math.min(COMMIT_READ_AHEAD, commits.length); i++) readCommit(i);
  // Data in the order of the commits that add them (files of unknown origin first), so each
  // commit can be written as soon as its own files are copied, while later ones still copy.
  await Promise.allSettled(commitTasks);
  const rank = (k: string): number => owner.get(k) ?? -1;
  const ordered = [...listing.data].sort((a, b) => rank(a.key) - rank(b.key));
  const pending = new Map<string, Promise<ManifestFile | undefined>>();
  const dataTasks = ordered.map((o) => {
    const t = pool.run(() => copyData(o.key, o.size));
    pending.set(o.key, t);
    t.then(() => pending.delete(o.key)).catch(() => undefined); // a failed copy stays pending: readyFor rethrows it
    return t;
  });
  const logTasks = logFiles.map((l) => pool.run(() => fetchLog(l.o.key)));
  const lastTask = listing.lastCheckpoint ? pool.run(() => fetchLog(LAST_CHECKPOINT)) : Promise.resolve(undefined);
  for (const t of [...logTasks, lastTask]) t.catch(() => undefined); // awaited below; failures surface there
  void settleAll(dataTasks)
    .then(() => {
      progress.phase = 'log';
      report();
    })
    .catch(() => undefined);

  /**
   * Resolves once every data file a reader of version `v` may need is in the target: all but
   * those only commits above `v` add. Commits up to `v` have all been read by then (they are
   * published in order), so an unknown owner can only mean "older than the commits read".
   */
  const readyFor = async (v: number): Promise<void> => {
    const wait = [...pending].filter(([k]) => (owner.get(k) ?? -1) <= v).map(([, t]) => t);
    if (wait.length > 0) await settleAll(wait);
  };

  /** Writes a fetched log file unless the target holds the same bytes, once `v`'s data is there; returns its manifest entry. */
  const publish = async (key: string, kind: ManifestFile['kind'], v: number | undefined, f: Fetched, mustMatch: boolean): Promise<ManifestFile> => {
    const size = f.body.byteLength;
    const have = await targetState(key, size);
    if (have !== f.digest) {
      // A commit the last complete backup already held must never change; one above it may be
      // the torn write of a killed run and is simply rewritten.
      if (have !== undefined && mustMatch && (v ?? 0) <= (opts.previous?.version ?? -1)) throw new BackupDivergedError(opts.table, key, target.url);
      await readyFor(v ?? Number.MAX_SAFE_INTEGER);
      await withRetry(() => putVerified(target, key, f.body, f.digest));
      existing.set(key, size);
      known.set(key, { key, kind, size, sha256: f.digest });
      copiedFiles++;
      copiedBytes += size;
    }
    done(size);
    return { key, kind, size, sha256: f.digest, ...(v !== undefined ? { version: v } : {}) };
  };

  // 2. The log in version order, each entry as soon as the data its version needs is copied (so
  //    the log's writes overlap the data copies' tail): commit v, then its .crc and checkpoint.
  //    Commits go one at a time, so the target's log only ever grows contiguously; a commit
  //    the target lacks is written only once every file it adds is there, including files the
  //    listing missed (a commit that landed while it ran). Other log files come last.
  const sourceData = new Set(listing.data.map((o) => o.key));
  const extraData: ManifestFile[] = [];
  const commitEntries: ManifestFile[] = [];
  const logEntries: Array<ManifestFile | undefined> = new Array(logFiles.length);
  const publishLogAt = async (v: number | undefined): Promise<void> => {
    const at = logFiles.map((l, i) => ({ l, i })).filter(({ l }) => l.version === v);
    await settleAll(
      at.map(async ({ l, i }) => {
        const f = await logTasks[i];
        logEntries[i] = f ? await publish(l.o.key, l.kind, l.version, f, false) : undefined;
      }),
    );
  };
  const logVersions = [...new Set(logFiles.flatMap((l) => (l.version === undefined ? [] : [l.version])))];
  const steps = [...new Set([...commits.map(([v]) => v), ...logVersions])].sort((a, b) => a - b);
  let versionTimestamp = 0;
  let next = 0; // index into commits
  for (const v of steps) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    if (next < commits.length && commits[next][0] === v) {
      const i = next++;
      readCommit(i + COMMIT_READ_AHEAD);
      const o = commits[i][1];
      const f = await commitTasks[i];
      commitTasks[i] = Promise.resolve(undefined); // let the body go
      if (f) {
        const text = Buffer.from(f.body).toString('utf8');
        if (o.modified.getTime() > listedAt - CLOCK_SKEW_MS && (await targetState(o.key, f.body.byteLength)) !== f.digest) {
          const unlisted = addedKeys(text).filter((k) => !sourceData.has(k) && !existing.has(k));
          progress.filesTotal += unlisted.length;
          for (const e of await settleAll(unlisted.map((k) => pool.run(() => copyData(k, undefined))))) if (e) extraData.push(e);
        }
        commitEntries.push(await publish(o.key, 'commit', v, f, true));
        if (v === version) versionTimestamp = commitTimestamp(text, o.modified);
      }
    }
    await publishLogAt(v);
  }
  await publishLogAt(undefined);
  const dataEntries = await settleAll(dataTasks);
  if (progress.phase === 'data') {
    progress.phase = 'log';
    report();
  }

  // 4. _last_checkpoint last, and only when it points at a checkpoint this image holds.
  let lastEntry: ManifestFile | undefined;
  const last = await lastTask;
  if (last) {
    let cp: { version?: number } = {};
    try {
      cp = JSON.parse(Buffer.from(last.body).toString('utf8')) as { version?: number };
    } catch {
      // unreadable pointer: readers list the log instead; leave it out
    }
    const holds = logEntries.some((e) => e?.kind === 'checkpoint' && e.version === cp.version);
    if (typeof cp.version === 'number' && cp.version <= version && holds) lastEntry = await publish(LAST_CHECKPOINT, 'last_checkpoint', cp.version, last, false);
  }

  progress.phase = 'done';
  report();
  const files = [...dataEntries, ...extraData, ...logEntries, ...commitEntries, lastEntry].filter((f): f is ManifestFile => f !== undefined);
  return { table: opts.table, prefix: opts.prefix, version, versionTimestamp, files, copiedFiles, copiedBytes };
}

export interface BackupResult {
  manifest: BackupManifest;
  copiedFiles: number;
  copiedBytes: number;
  durationMs: number;
}

async function previousEntries(target: ObjectStore): Promise<Map<string, TableManifest>> {
  const byTable = new Map<string, TableManifest>();
  try {
    const m = await latestManifest(target);
    for (const t of m?.tables ?? []) byTable.set(`${t.prefix}|${t.table}`, t);
  } catch {
    // an unreadable old manifest only costs re-checksumming
  }
  return byTable;
}

function finish(manifest: BackupManifest, started: number): BackupResult {
  return {
    manifest,
    copiedFiles: manifest.tables.reduce((s, t) => s + t.copiedFiles, 0),
    copiedBytes: manifest.tables.reduce((s, t) => s + t.copiedBytes, 0),
    durationMs: Date.now() - started,
  };
}

/**
 * Backs up one table: `source` and `target` are the table folders. The manifest goes to
 * `target/_backup/manifests/<runId>.json`.
 */
export async function backupTable(source: ObjectStore, target: ObjectStore, opts: BackupOptions = {}): Promise<BackupResult> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const runId = opts.runId ?? newRunId(now());
  const table = opts.table ?? source.url;
  const startedAt = now().toISOString();
  const entry = await backupTableImage(source, target, { ...opts, runId, table, prefix: '', previous: (await previousEntries(target)).get(`|${table}`) });
  const manifest: BackupManifest = { format: 'financelake-backup/1', runId, source: source.url, target: target.url, startedAt, finishedAt: now().toISOString(), tables: [entry] };
  await writeManifest(target, manifest);
  await writeLatest(target, runId);
  return finish(manifest, started);
}

/** The tables under a warehouse root: every folder holding `_delta_log/<version>.json`, named 'layer.name'. */
export async function discoverTables(root: ObjectStore): Promise<Array<{ name: string; prefix: string }>> {
  return tablesIn(await root.list(''));
}

function tablesIn(objects: readonly ObjectInfo[]): Array<{ name: string; prefix: string }> {
  const prefixes = new Set<string>();
  for (const o of objects) {
    const m = /^(.+?)\/_delta_log\/\d{20}\.json$/.exec(o.key);
    if (m && !m[1].split('/').some((s) => s.startsWith('_') || s.startsWith('.'))) prefixes.add(m[1]);
  }
  return [...prefixes].sort().map((prefix) => ({ prefix, name: prefix.split('/').join('.') }));
}

/** The objects of a sorted listing below `prefix`, keys made relative to it. */
function under(objects: readonly ObjectInfo[], prefix: string): ObjectInfo[] {
  const p = `${prefix}/`;
  return objects.filter((o) => o.key.startsWith(p)).map((o) => ({ ...o, key: o.key.slice(p.length) }));
}

export interface WarehouseBackupOptions extends Omit<BackupOptions, 'table'> {
  /** Table names ('silver.transactions'); default every table under the root. */
  tables?: string[];
  /** Tables backed up at once (default 2); each uses `concurrency` copies. */
  tableConcurrency?: number;
}

/** Backs up every (or the named) table under a warehouse root into the same layout under `target`. */
export async function backupWarehouse(source: ObjectStore, target: ObjectStore, opts: WarehouseBackupOptions = {}): Promise<BackupResult> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const runId = opts.runId ?? newRunId(now());
  const startedAt = now().toISOString();
  // One listing of each side for the whole warehouse, taken together with the last manifest.
  const listedAt = Date.now();
  const [sourceObjects, targetObjects, prev] = await Promise.all([source.list(''), target.list(''), previousEntries(target)]);
  let tables = tablesIn(sourceObjects);
  if (opts.tables) {
    const unknown = opts.tables.filter((n) => !tables.some((t) => t.name === n));
    if (unknown.length) throw new Error(`backup: no table ${unknown.join(', ')} under ${source.url} (found: ${tables.map((t) => t.name).join(', ') || 'none'})`);
    tables = tables.filter((t) => opts.tables!.includes(t.name));
  }
  const entries = await mapLimit(
    tables,
    opts.tableConcurrency ?? 2,
    (t) =>
      backupTableImage(source.scoped(t.prefix), target.scoped(t.prefix), {
        ...opts,
        runId,
        table: t.name,
        prefix: t.prefix,
        previous: prev.get(`${t.prefix}|${t.name}`),
        sourceObjects: under(sourceObjects, t.prefix),
        targetObjects: under(targetObjects, t.prefix),
        listedAt,
      }),
    opts.signal,
  );
  const manifest: BackupManifest = { format: 'financelake-backup/1', runId, source: source.url, target: target.url, startedAt, finishedAt: now().toISOString(), tables: entries };
  await writeManifest(target, manifest);
  await writeLatest(target, runId);
  return finish(manifest, started);
}
