/**
 * backup, restoreWarehouse and drDrill workflows over the backup activities.
 *
 * backup: one incremental run (its manifest id is derived from the workflow run, so a
 * retried activity resumes the same run), then a verify (sizes on the 15-minute schedule,
 * checksums on the nightly one), then retention if asked. A failed verify fails the workflow.
 */
import { ApplicationFailure, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BackupActivities, BackupRunSummary } from '../activities/backup';
import { dailyPipeline } from './daily-pipeline';
import { NON_RETRYABLE_TYPES } from './failures';

const quick = proxyActivities<BackupActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES, 'BackupDivergedError'] },
});
/** Long copies heartbeat every 5 s; a worker that stops (killed, lost) is noticed after `heartbeatTimeout` and the copy resumes on another. */
function longActivities(heartbeatTimeout: string = '2 minutes') {
  return proxyActivities<BackupActivities>({
    startToCloseTimeout: '6 hours',
    heartbeatTimeout,
    retry: { maximumAttempts: 10, initialInterval: '5 seconds', maximumInterval: '1 minute', nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES, 'BackupDivergedError', 'BackupCorruptError'] },
  });
}
const long = longActivities();

export interface BackupInput {
  tables?: string[];
  /** Backup location URL; default config.backupTarget. */
  target?: string;
  /** 'size' (default, cheap) or 'checksum' (re-reads every file). */
  verify?: 'size' | 'checksum' | 'none';
  retention?: { keepDaily: number; keepWeekly: number; keepWithinHours?: number };
  /** Parallel object copies (default 4). */
  concurrency?: number;
  /** How long a silent worker may hold the copy before it is retried elsewhere (default '2 minutes'). */
  heartbeatTimeout?: string;
}

export interface BackupWorkflowResult {
  backup: BackupRunSummary;
  verified: boolean;
  problems: string[];
  retention?: { kept: number; deleted: number; deletedFiles: number };
}

/** A manifest id that sorts by time and names the workflow run it came from. */
function backupRunId(): string {
  const info = workflowInfo();
  return `${new Date(info.startTime).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${info.runId.slice(0, 8)}`;
}

export async function backup(input: BackupInput = {}): Promise<BackupWorkflowResult> {
  const copy = input.heartbeatTimeout ? longActivities(input.heartbeatTimeout) : long;
  const summary = await copy.runBackup({ runId: backupRunId(), tables: input.tables, target: input.target, concurrency: input.concurrency });
  let verified = true;
  let problems: string[] = [];
  if (input.verify !== 'none') {
    const v = await long.verifyBackupRun({ runId: summary.runId, target: input.target, checksums: input.verify === 'checksum' });
    verified = v.ok;
    problems = v.problems.map((p) => `${p.problem}: ${p.key}`);
  }
  if (!verified) throw ApplicationFailure.nonRetryable(`backup ${summary.runId} failed verification: ${problems.join('; ')}`, 'BackupVerifyFailed', { summary, problems });
  let retention: BackupWorkflowResult['retention'];
  if (input.retention) {
    const r = await quick.applyBackupRetention({ target: input.target, ...input.retention });
    retention = { kept: r.kept.length, deleted: r.deleted.length, deletedFiles: r.deletedFiles.length };
  }
  return { backup: summary, verified, problems, ...(retention ? { retention } : {}) };
}

export interface RestoreWarehouseInput {
  target?: string;
  /** Destination URL; default the worker's warehouse (restore over a damaged one). */
  dest?: string;
  tables?: string[];
  version?: number;
  timestamp?: string;
  runId?: string;
}

export async function restoreWarehouse(input: RestoreWarehouseInput = {}) {
  return long.restoreBackup(input);
}

export interface DrDrillInput {
  /** Must equal the warehouse URL: the drill destroys it. */
  confirm: string;
  target?: string;
  /** Take a fresh backup first (default true); false uses the newest scheduled backup. */
  backupFirst?: boolean;
  /** Run the daily pipeline for this date after the restore and check earlier dates are untouched. */
  nextDay?: string;
}

export async function drDrill(input: DrDrillInput) {
  const report = await long.drDrill({ confirm: input.confirm, target: input.target, backupFirst: input.backupFirst });
  if (!report.ok) throw ApplicationFailure.nonRetryable(`DR drill: restored tables differ from the backup: ${report.tables.filter((t) => !t.ok).map((t) => t.table).join(', ')}`, 'DrDrillFailed', report);
  if (!input.nextDay) return { report };
  // Rows of the days before the new one must not change: fingerprinted just before and after the run.
  const earlier = { tables: report.tables.map((t) => t.table), datesBefore: input.nextDay };
  const before = await quick.tableFingerprints(earlier);
  const pipeline = await executeChild(dailyPipeline, { args: [{ date: input.nextDay }], workflowId: `financelake/dr-drill/${input.nextDay}/${workflowInfo().runId.slice(0, 8)}` });
  const after = await quick.tableFingerprints(earlier);
  const changed = after.filter((a) => {
    const b = before.find((x) => x.table === a.table)!;
    return a.rows !== b.rows || a.hash !== b.hash;
  });
  return { report, pipeline, unchangedBeforeNextDay: changed.length === 0, changed: changed.map((c) => c.table) };
}
