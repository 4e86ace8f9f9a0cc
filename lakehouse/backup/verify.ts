/**
 * Verification: re-reads every file a manifest lists from the backup target and compares
 * size and sha256, naming each missing or corrupted file. A clean pass stamps the manifest
 * `verifiedAt`, which retention relies on to keep the newest verified backup.
 */
import type { ObjectStore } from '../storage/object-store';
import { objectSha256 } from './copy';
import { type BackupManifest, listManifests, readManifest, writeManifest } from './manifest';
import { mapLimit } from './pool';

export interface VerifyProblem {
  /** Key under the backup root (table prefix + file key). */
  key: string;
  table: string;
  problem: 'missing' | 'size' | 'checksum';
  expected: string | number;
  actual?: string | number;
}

export interface VerifyResult {
  runId: string;
  ok: boolean;
  checkedFiles: number;
  checkedBytes: number;
  problems: VerifyProblem[];
  durationMs: number;
}

export interface VerifyOptions {
  /** Manifest to verify; default the newest. */
  runId?: string;
  /** false: compare sizes only (cheap, for the 15-minute schedule); default true: checksums too. */
  checksums?: boolean;
  concurrency?: number;
  onProgress?: (p: { filesDone: number; filesTotal: number; bytesDone: number }) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

export async function newestManifest(target: ObjectStore): Promise<BackupManifest> {
  const all = await listManifests(target);
  if (all.length === 0) throw new Error(`no backup manifests in ${target.url}`);
  return all[all.length - 1];
}

export async function verifyBackup(target: ObjectStore, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const manifest = opts.runId ? await readManifest(target, opts.runId) : await newestManifest(target);
  const files = manifest.tables.flatMap((t) => t.files.map((f) => ({ ...f, table: t.table, full: t.prefix ? `${t.prefix}/${f.key}` : f.key })));
  const problems: VerifyProblem[] = [];
  let filesDone = 0;
  let bytesDone = 0;
  await mapLimit(
    files,
    opts.concurrency ?? 4,
    async (f) => {
      const head = await target.head(f.full);
      if (!head) problems.push({ key: f.full, table: f.table, problem: 'missing', expected: f.size });
      else if (head.size !== f.size) problems.push({ key: f.full, table: f.table, problem: 'size', expected: f.size, actual: head.size });
      else if (opts.checksums !== false) {
        const actual = await objectSha256(target, f.full, f.size);
        if (actual !== f.sha256) problems.push({ key: f.full, table: f.table, problem: 'checksum', expected: f.sha256, actual });
      }
      filesDone++;
      bytesDone += f.size;
      opts.onProgress?.({ filesDone, filesTotal: files.length, bytesDone });
    },
    opts.signal,
  );
  problems.sort((a, b) => a.key.localeCompare(b.key));
  const ok = problems.length === 0;
  if (ok && opts.checksums !== false) {
    manifest.verifiedAt = (opts.now ?? (() => new Date()))().toISOString();
    await writeManifest(target, manifest);
  }
  return { runId: manifest.runId, ok, checkedFiles: files.length, checkedBytes: bytesDone, problems, durationMs: Date.now() - started };
}

export function describeProblems(r: VerifyResult): string {
  if (r.ok) return `backup ${r.runId}: ${r.checkedFiles} files verified`;
  return [`backup ${r.runId}: ${r.problems.length} of ${r.checkedFiles} files failed verification`, ...r.problems.map((p) => `  ${p.problem}: ${p.key} (table ${p.table}; expected ${p.expected}${p.actual !== undefined ? `, found ${p.actual}` : ''})`)].join('\n');
}
