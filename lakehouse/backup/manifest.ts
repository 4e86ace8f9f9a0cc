/**
 * Backup manifests: one JSON document per backup run at `_backup/manifests/<runId>.json`
 * in the backup target. A manifest is the complete image of each table it covers (every
 * data and log file with size and sha256), so verify and restore need nothing else.
 */
import type { ObjectStore } from '../storage/object-store';
import { mapLimit } from './pool';

export const MANIFEST_PREFIX = '_backup/manifests/';

export type ManifestFileKind = 'data' | 'commit' | 'checkpoint' | 'crc' | 'last_checkpoint' | 'log_other';

export interface ManifestFile {
  /** Key relative to the table's folder. */
  key: string;
  kind: ManifestFileKind;
  size: number;
  sha256: string;
  /** Commit or checkpoint version, for log files. */
  version?: number;
}

export interface TableManifest {
  /** Table name ('silver.transactions') or the label given to a single-table backup. */
  table: string;
  /** Folder of the table under the backup root ('' for a single-table backup rooted at the table). */
  prefix: string;
  /** The Delta version this image holds. */
  version: number;
  /** commitInfo timestamp (ms) of that version. */
  versionTimestamp: number;
  files: ManifestFile[];
  copiedFiles: number;
  copiedBytes: number;
}

export interface BackupManifest {
  format: 'financelake-backup/1';
  runId: string;
  source: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  tables: TableManifest[];
  /** Set by verifyBackup when every file matched. */
  verifiedAt?: string;
}

export function manifestKey(runId: string): string {
  if (!/^[A-Za-z0-9._:-]+$/.test(runId)) throw new Error(`backup runId "${runId}" may hold only letters, digits, '.', '_', ':' and '-'`);
  return `${MANIFEST_PREFIX}${runId}.json`;
}

export async function writeManifest(target: ObjectStore, manifest: BackupManifest): Promise<void> {
  await target.put(manifestKey(manifest.runId), JSON.stringify(manifest, null, 1));
}

/** Points at the newest complete run, so an incremental run reads one manifest, not all of them. */
export const LATEST_KEY = '_backup/LATEST';

export async function writeLatest(target: ObjectStore, runId: string): Promise<void> {
  await target.put(LATEST_KEY, runId);
}

/** The newest complete manifest, via the LATEST pointer (falling back to reading them all). */
export async function latestManifest(target: ObjectStore): Promise<BackupManifest | undefined> {
  try {
    const runId = Buffer.from(await target.get(LATEST_KEY)).toString('utf8').trim();
    return await readManifest(target, runId);
  } catch {
    const all = await listManifests(target);
    return all[all.length - 1];
  }
}

export async function readManifest(target: ObjectStore, runId: string): Promise<BackupManifest> {
  const key = manifestKey(runId);
  let text: string;
  try {
    text = Buffer.from(await target.get(key)).toString('utf8');
  } catch (err) {
    throw new Error(`backup manifest ${key} not found in ${target.url}`, { cause: err });
  }
  try {
    const m = JSON.parse(text) as BackupManifest;
    if (m.format !== 'financelake-backup/1' || !Array.isArray(m.tables)) throw new Error('not a financelake backup manifest');
    return m;
  } catch (err) {
    throw new Error(`backup manifest ${key} in ${target.url} is unreadable: ${(err as Error).message}`, { cause: err });
  }
}

/** All manifests in the target, oldest first (by finishedAt, then runId). */
export async function listManifests(target: ObjectStore): Promise<BackupManifest[]> {
  const keys = (await target.list(MANIFEST_PREFIX)).filter((o) => o.key.endsWith('.json'));
  const out = await mapLimit(keys, 8, (o) => readManifest(target, o.key.slice(MANIFEST_PREFIX.length, -'.json'.length)));
  return out.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.runId.localeCompare(b.runId));
}

/** A run id that sorts by time and is unique across concurrent runs. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${Math.random().toString(36).slice(2, 8)}`;
}
