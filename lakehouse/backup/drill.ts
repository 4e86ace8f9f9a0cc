/**
 * The disaster-recovery drill, as a library function: back up (or use the newest backup),
 * fingerprint every table at the backed-up version, destroy the primary, restore it from
 * the backup site, and prove the restore: same rows, same content fingerprint, per table.
 * It measures RTO (restore start to every table answering a query) and RPO (commits and
 * time written on the primary after the backed-up version, lost with the disaster).
 */
import type { Engine } from '../engine/duckdb';
import type { ObjectStore } from '../storage/object-store';
import { DeltaTable } from '../table';
import { backupWarehouse, discoverTables } from './backup';
import { listManifests, type BackupManifest } from './manifest';
import { restoreFromBackup } from './restore';
import { mapLimit } from './pool';

export interface TableFingerprint {
  table: string;
  version: number;
  rows: number;
  /** Order-independent hash of every row (xor of row hashes). */
  hash: string;
}

/** Row count and content hash of a table at a version (default latest). */
export async function fingerprint(root: ObjectStore, engine: Engine, name: string, prefix: string, version?: number): Promise<TableFingerprint> {
  const t = await DeltaTable.open(root.scoped(prefix), engine, name);
  const v = version ?? (await t.version());
  const rows = await t.query<{ n: number; h: string | null }>('SELECT count(*) AS n, CAST(bit_xor(hash(t)) AS VARCHAR) AS h FROM {{table}} AS t', { version: v });
  return { table: name, version: v, rows: Number(rows[0].n), hash: rows[0].h ?? '0' };
}

export interface DrillTableReport {
  table: string;
  backupVersion: number;
  primaryVersion: number;
  lostVersions: number;
  /** Newest primary commit time minus the backed-up version's commit time (0 when caught up). */
  lostMs: number;
  expected: TableFingerprint;
  restored?: TableFingerprint;
  ok: boolean;
}

export interface DrillReport {
  runId: string;
  backupRunId: string;
  rtoMs: number;
  rpoMs: number;
  restoreMs: number;
  tables: DrillTableReport[];
  ok: boolean;
}

export interface DrillOptions {
  primary: ObjectStore;
  backup: ObjectStore;
  engine: Engine;
  /** Take a backup first (default true); false drills against the newest existing backup, as after a real disaster. */
  backupFirst?: boolean;
  /** Destroys the primary (default: delete every object under its root). */
  destroy?: (primary: ObjectStore) => Promise<void>;
  /** Re-opens the primary after the disaster (default: the same store). */
  reopen?: () => Promise<ObjectStore>;
  onStep?: (step: string, detail?: Record<string, unknown>) => void;
  concurrency?: number;
}

async function destroyAll(primary: ObjectStore): Promise<void> {
  const all = await primary.list('');
  await mapLimit(all, 16, (o) => primary.delete(o.key));
}

async function commitTime(store: ObjectStore, version: number): Promise<number> {
  const key = `_delta_log/${String(version).padStart(20, '0')}.json`;
  const text = Buffer.from(await store.get(key)).toString('utf8');
  for (const line of text.split('\n')) {
    if (!line.includes('"commitInfo"')) continue;
    const ts = (JSON.parse(line) as { commitInfo?: { timestamp?: number } }).commitInfo?.timestamp;
    if (typeof ts === 'number') return ts;
  }
  return (await store.head(key))?.modified.getTime() ?? 0;
}

export async function runDrill(opts: DrillOptions): Promise<DrillReport> {
  const step = opts.onStep ?? (() => undefined);
  const runId = `drill-${new Date().toISOString().replace(/[-:.]/g, '')}`;
  let manifest: BackupManifest;
  if (opts.backupFirst !== false) {
    step('backup', { target: opts.backup.url });
    manifest = (await backupWarehouse(opts.primary, opts.backup, { runId: `${runId}-backup`, concurrency: opts.concurrency })).manifest;
  } else {
    const all = await listManifests(opts.backup);
    if (!all.length) throw new Error(`dr drill: no backup in ${opts.backup.url} to recover from`);
    manifest = all[all.length - 1];
  }

  // What the restore must reproduce, and what the disaster will cost, measured on the primary.
  step('fingerprint', { tables: manifest.tables.length });
  const live = new Map((await discoverTables(opts.primary)).map((t) => [t.name, t.prefix]));
  const reports: DrillTableReport[] = [];
  for (const t of manifest.tables) {
    const expected = await fingerprint(opts.primary, opts.engine, t.table, t.prefix, t.version);
    const tableStore = opts.primary.scoped(t.prefix);
    const primaryVersion = live.has(t.table) ? await (await DeltaTable.open(tableStore, opts.engine, t.table)).version() : t.version;
    const lostMs = primaryVersion > t.version ? Math.max(0, (await commitTime(tableStore, primaryVersion)) - (await commitTime(tableStore, t.version))) : 0;
    reports.push({ table: t.table, backupVersion: t.version, primaryVersion, lostVersions: primaryVersion - t.version, lostMs, expected, ok: false });
  }

  step('destroy', { primary: opts.primary.url });
  await (opts.destroy ?? destroyAll)(opts.primary);
  const primary = opts.reopen ? await opts.reopen() : opts.primary;

  step('restore', { from: opts.backup.url, runId: manifest.runId });
  const started = Date.now();
  const restored = await restoreFromBackup(opts.backup, primary, { runId: manifest.runId, concurrency: opts.concurrency });
  const restoreMs = Date.now() - started;
  // Serving: every table answers a query (its fingerprint, which is also the proof).
  for (const r of reports) {
    const t = manifest.tables.find((x) => x.table === r.table)!;
    r.restored = await fingerprint(primary, opts.engine, r.table, t.prefix);
    r.ok = r.restored.version === r.expected.version && r.restored.rows === r.expected.rows && r.restored.hash === r.expected.hash;
  }
  const rtoMs = Date.now() - started;
  step('verified', { tables: reports.length, restoredTables: restored.tables.length });
  return {
    runId,
    backupRunId: manifest.runId,
    rtoMs,
    rpoMs: Math.max(0, ...reports.map((r) => r.lostMs)),
    restoreMs,
    tables: reports,
    ok: reports.every((r) => r.ok),
  };
}

export function formatDrill(r: DrillReport): string {
  const lines = [
    `DR drill ${r.runId}: ${r.ok ? 'PASSED' : 'FAILED'} (restored from backup ${r.backupRunId})`,
    `  RTO ${(r.rtoMs / 1000).toFixed(1)} s (restore ${(r.restoreMs / 1000).toFixed(1)} s, then every table served a query)`,
    `  RPO ${(r.rpoMs / 1000).toFixed(1)} s of commits lost (${r.tables.reduce((s, t) => s + t.lostVersions, 0)} version(s) written after the backup)`,
  ];
  for (const t of r.tables) {
    lines.push(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.table}: v${t.backupVersion} restored (primary was at v${t.primaryVersion}), rows ${t.restored?.rows ?? '?'}/${t.expected.rows}, hash ${t.restored?.hash === t.expected.hash ? 'equal' : 'DIFFERENT'}`);
  }
  return lines.join('\n');
}
