/**
 * Incremental, consistent backups of Delta tables between two ObjectStores.
 *
 * Order is what keeps the target valid at every instant: data files first (in parallel,
 * bounded), then checkpoints, then commits one by one in ascending order, `_last_checkpoint`
 * last. A backup killed at any point leaves the target at the last commit it wrote, whose
 * files are already there; re-running skips what is present (key + size, checksum from the
 * previous manifest or a re-read) and completes. The manifest is written only at the end.
 */
import type { ObjectInfo, ObjectStore } from '../storage/object-store';
import { NotFoundError } from '../storage/object-store';
import { copyObject, objectSha256, sha256 } from './copy';
import { LAST_CHECKPOINT, commitTimestamp, listTable, type TableListing } from './log-files';
import { type BackupManifest, type ManifestFile, type TableManifest, latestManifest, newRunId, writeLatest, writeManifest } from './manifest';
import { mapLimit } from './pool';

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
}

/** Backs up one table folder (source) into one folder (target); returns its manifest entry. */
export async function backupTableImage(source: ObjectStore, target: ObjectStore, opts: TableImageOptions): Promise<TableManifest> {
  const concurrency = opts.concurrency ?? 4;
  const progress: BackupProgress = { runId: opts.runId, table: opts.table, phase: 'list', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, copiedFiles: 0 };
  const report = (): void => opts.onProgress?.({ ...progress });
  report();

  const listing: TableListing = await listTable(source);
  if (listing.latestVersion < 0) throw new Error(`backup of ${opts.table}: no Delta table at ${source.url} (no _delta_log commits)`);
  const version = listing.latestVersion;
  const existing = new Map((await target.list('')).map((o) => [o.key, o.size]));
  const known = new Map((opts.previous?.files ?? []).map((f) => [f.key, f]));

  /** Checksum of the target's copy when it already matches by key and size, else undefined. */
  const presentSha = async (o: ObjectInfo): Promise<string | undefined> => {
    if (existing.get(o.key) !== o.size) return undefined;
    const k = known.get(o.key);
    if (k && k.size === o.size) return k.sha256;
    return withRetry(() => objectSha256(target, o.key, o.size));
  };

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

  // 1. Data files: immutable, so key + size identifies them. A file vacuumed from the source
  //    since the listing was not referenced by this version: skip it.
  const dataEntries = await mapLimit(
    listing.data,
    concurrency,
    async (o): Promise<ManifestFile | undefined> => {
      try {
        let digest = await presentSha(o);
        if (digest === undefined) {
          const r = await withRetry(() => copyObject(source, target, o.key, { size: o.size, tmpDir: opts.tmpDir }));
          digest = r.sha256;
          copiedFiles++;
          copiedBytes += r.size;
        }
        done(o.size);
        return { key: o.key, kind: 'data', size: o.size, sha256: digest };
      } catch (err) {
        if (err instanceof NotFoundError) {
          done(0);
          return undefined;
        }
        throw err;
      }
    },
    opts.signal,
  );

  progress.phase = 'log';
  report();
  // 2. Log files other than commits (checkpoints, crc, our histories): copy when different.
  const copyLog = async (o: ObjectInfo, kind: ManifestFile['kind'], v: number | undefined, mustMatch: boolean): Promise<ManifestFile | undefined> => {
    let body: Uint8Array;
    try {
      body = await withRetry(() => source.get(o.key));
    } catch (err) {
      if (err instanceof NotFoundError) return undefined; // cleaned up by log retention meanwhile
      throw err;
    }
    const digest = sha256(body);
    const have = existing.get(o.key) === body.byteLength ? await presentSha({ ...o, size: body.byteLength }) : existing.has(o.key) ? 'different' : undefined;
    if (have !== digest) {
      // A commit the last complete backup already held must never change; one above it may be
      // the torn write of a killed run and is simply rewritten.
      if (have !== undefined && mustMatch && (v ?? 0) <= (opts.previous?.version ?? -1)) throw new BackupDivergedError(opts.table, o.key, target.url);
      await withRetry(() => target.put(o.key, body));
      copiedFiles++;
      copiedBytes += body.byteLength;
    }
    done(body.byteLength);
    return { key: o.key, kind, size: body.byteLength, sha256: digest, ...(v !== undefined ? { version: v } : {}) };
  };
  const logEntries = await mapLimit(logFiles, concurrency, (l) => copyLog(l.o, l.kind, l.version, false), opts.signal);

  // 3. Commits in ascending order, one at a time: the target's log only ever grows contiguously.
  const commitEntries: ManifestFile[] = [];
  let versionTimestamp = 0;
  for (const [v, o] of commits) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    const e = await copyLog(o, 'commit', v, true);
    if (e) commitEntries.push(e);
    if (e && v === version) versionTimestamp = commitTimestamp(Buffer.from(await target.get(o.key)).toString('utf8'), o.modified);
  }

  // 4. _last_checkpoint last, and only when it points at a checkpoint this image holds.
  let lastEntry: ManifestFile | undefined;
  if (listing.lastCheckpoint) {
    try {
      const body = await source.get(LAST_CHECKPOINT);
      const cp = JSON.parse(Buffer.from(body).toString('utf8')) as { version?: number };
      const holds = logEntries.some((e) => e?.kind === 'checkpoint' && e.version === cp.version);
      if (typeof cp.version === 'number' && cp.version <= version && holds) {
        const digest = sha256(body);
        if (!(existing.get(LAST_CHECKPOINT) === body.byteLength && (await presentSha({ key: LAST_CHECKPOINT, size: body.byteLength, modified: new Date() })) === digest)) {
          await target.put(LAST_CHECKPOINT, body);
          copiedFiles++;
          copiedBytes += body.byteLength;
        }
        lastEntry = { key: LAST_CHECKPOINT, kind: 'last_checkpoint', size: body.byteLength, sha256: digest, version: cp.version };
      }
    } catch (err) {
      if (!(err instanceof NotFoundError) && !(err instanceof SyntaxError)) throw err;
    }
  }

  progress.phase = 'done';
  report();
  const files = [...dataEntries, ...logEntries, ...commitEntries, lastEntry].filter((f): f is ManifestFile => f !== undefined);
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
  const prev = await previousEntries(target);
  const entry = await backupTableImage(source, target, { ...opts, runId, table, prefix: '', previous: prev.get(`|${table}`) });
  const manifest: BackupManifest = { format: 'financelake-backup/1', runId, source: source.url, target: target.url, startedAt, finishedAt: now().toISOString(), tables: [entry] };
  await writeManifest(target, manifest);
  await writeLatest(target, runId);
  return finish(manifest, started);
}

/** The tables under a warehouse root: every folder holding `_delta_log/<version>.json`, named 'layer.name'. */
export async function discoverTables(root: ObjectStore): Promise<Array<{ name: string; prefix: string }>> {
  const prefixes = new Set<string>();
  for (const o of await root.list('')) {
    const m = /^(.+?)\/_delta_log\/\d{20}\.json$/.exec(o.key);
    if (m && !m[1].split('/').some((s) => s.startsWith('_') || s.startsWith('.'))) prefixes.add(m[1]);
  }
  return [...prefixes].sort().map((prefix) => ({ prefix, name: prefix.split('/').join('.') }));
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
  let tables = await discoverTables(source);
  if (opts.tables) {
    const unknown = opts.tables.filter((n) => !tables.some((t) => t.name === n));
    if (unknown.length) throw new Error(`backup: no table ${unknown.join(', ')} under ${source.url} (found: ${tables.map((t) => t.name).join(', ') || 'none'})`);
    tables = tables.filter((t) => opts.tables!.includes(t.name));
  }
  const prev = await previousEntries(target);
  const entries = await mapLimit(
    tables,
    opts.tableConcurrency ?? 2,
    (t) => backupTableImage(source.scoped(t.prefix), target.scoped(t.prefix), { ...opts, runId, table: t.name, prefix: t.prefix, previous: prev.get(`${t.prefix}|${t.name}`) }),
    opts.signal,
  );
  const manifest: BackupManifest = { format: 'financelake-backup/1', runId, source: source.url, target: target.url, startedAt, finishedAt: now().toISOString(), tables: entries };
  await writeManifest(target, manifest);
  await writeLatest(target, runId);
  return finish(manifest, started);
}
