/**
 * Backup activities over the worker's warehouse: incremental backup to the backup site,
 * verify, retention, restore, and the DR drill. The backup run id comes from the workflow,
 * so a retried activity resumes the same run (present files are skipped) and writes one
 * manifest. Long copies heartbeat with their progress.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../config/env';
import { openStore, type ObjectStore } from '../lakehouse/storage';
import { applyRetention, backupWarehouse, fingerprint, restoreFromBackup, runDrill, verifyBackup, type DrillReport, type RetentionResult, type RestoreResult } from '../lakehouse/backup';
import { sharedContext } from './context';
import { withHeartbeat } from './maintenance';

/** The backup location's store: an explicit URL or config.backupTarget; s3:// goes to the backup site's endpoint. */
export function backupStore(config: Config, target?: string): ObjectStore {
  const url = target ?? config.backupTarget;
  if (!url) throw ApplicationFailure.create({ message: 'no backup target: set FINANCELAKE_BACKUP_TARGET (e.g. s3://financelake-backup/warehouse) or pass target', type: 'InvalidInput', nonRetryable: true });
  const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = config.backupS3;
  return openStore(url, url.startsWith('s3://') ? { s3: { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } } : {});
}

export interface BackupRunSummary {
  runId: string;
  target: string;
  tables: Array<{ table: string; version: number; files: number; copiedFiles: number; copiedBytes: number }>;
  copiedFiles: number;
  copiedBytes: number;
  durationMs: number;
}

export async function runBackup(input: { runId: string; tables?: string[]; target?: string; concurrency?: number }): Promise<BackupRunSummary> {
  const { config, warehouse } = await sharedContext();
  const target = backupStore(config, input.target);
  return withHeartbeat({ runId: input.runId, phase: 'start' }, async (beat) => {
    const r = await backupWarehouse(warehouse.store, target, { runId: input.runId, tables: input.tables, concurrency: input.concurrency, onProgress: beat });
    return {
      runId: r.manifest.runId,
      target: target.url,
      tables: r.manifest.tables.map((t) => ({ table: t.table, version: t.version, files: t.files.length, copiedFiles: t.copiedFiles, copiedBytes: t.copiedBytes })),
      copiedFiles: r.copiedFiles,
      copiedBytes: r.copiedBytes,
      durationMs: r.durationMs,
    };
  });
}

export async function verifyBackupRun(input: { runId?: string; target?: string; checksums?: boolean }) {
  const { config } = await sharedContext();
  return withHeartbeat({ phase: 'verify' }, async (beat) => {
    const r = await verifyBackup(backupStore(config, input.target), { runId: input.runId, checksums: input.checksums, onProgress: beat });
    return { ...r, problems: r.problems.slice(0, 50) };
  });
}

export async function applyBackupRetention(input: { target?: string; keepDaily: number; keepWeekly: number; keepWithinHours?: number; dryRun?: boolean }): Promise<RetentionResult> {
  const { config } = await sharedContext();
  const r = await applyRetention(backupStore(config, input.target), input, { dryRun: input.dryRun });
  return { ...r, deletedFiles: r.deletedFiles.slice(0, 100) };
}

export async function restoreBackup(input: { target?: string; dest?: string; tables?: string[]; version?: number; timestamp?: string; runId?: string }): Promise<RestoreResult> {
  const { config, warehouse } = await sharedContext();
  const backup = backupStore(config, input.target);
  const dest = input.dest ? openStore(input.dest, input.dest.startsWith('s3://') ? { s3: config.s3 } : {}) : warehouse.store;
  return withHeartbeat({ phase: 'restore' }, (beat) => restoreFromBackup(backup, dest, { ...input, onProgress: beat }));
}

/**
 * The drill destroys the warehouse's contents: it runs only when `confirm` names the
 * warehouse URL, so nobody starts it on production by accident from the UI.
 */
export async function drDrill(input: { confirm: string; target?: string; backupFirst?: boolean }): Promise<DrillReport> {
  const { config, warehouse, engine } = await sharedContext();
  if (input.confirm !== warehouse.url) {
    throw ApplicationFailure.create({ message: `the DR drill destroys ${warehouse.url}: pass confirm: "${warehouse.url}" to run it`, type: 'InvalidInput', nonRetryable: true });
  }
  return withHeartbeat({ phase: 'drill' }, (beat) =>
    runDrill({ primary: warehouse.store, backup: backupStore(config, input.target), engine, backupFirst: input.backupFirst, onStep: (step, detail) => beat({ step, ...detail }) }),
  );
}

/**
 * Row count and content hash per table; with `datesBefore`, only the rows of earlier business
 * dates: the table's typed date column ('date', else bronze's '_date'). A table without one
 * is taken whole.
 */
export async function tableFingerprints(input: { tables: string[]; datesBefore?: string }) {
  const { warehouse, engine } = await sharedContext();
  const out = [];
  for (const name of input.tables) {
    const t = await warehouse.table(name);
    if (!t) {
      out.push({ table: name, version: -1, rows: 0, hash: 'missing' });
      continue;
    }
    const fields = (await t.definition()).fields;
    const col = ['date', '_date'].find((n) => fields.some((f) => f.name === n && f.type === 'date'));
    if (!input.datesBefore || !col) out.push(await fingerprint(warehouse.store, engine, name, name.replace('.', '/')));
    else {
      const predicate = `"${col}" < DATE '${input.datesBefore.replace(/'/g, "''")}'`;
      const r = await t.query<{ n: number; h: string | null }>('SELECT count(*) AS n, CAST(bit_xor(hash(t)) AS VARCHAR) AS h FROM {{table}} AS t', { predicate });
      out.push({ table: name, version: await t.version(), rows: Number(r[0].n), hash: r[0].h ?? '0' });
    }
  }
  return out;
}

export const backupActivities = { runBackup, verifyBackupRun, applyBackupRetention, restoreBackup, drDrill, tableFingerprints };
export type BackupActivities = typeof backupActivities;
