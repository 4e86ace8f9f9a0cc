/**
 * The disaster-recovery drill end to end: the real pipeline writes two days into a warehouse
 * on the primary MinIO, a scheduled-style backup copies it to the second MinIO (the backup
 * site), a third day is written (and will be lost), then the primary's contents are
 * destroyed, the warehouse is restored from the backup site, checked table by table, and the
 * lost day is run again: every table ends exactly as before the disaster. RTO and RPO printed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupWarehouse, formatDrill, runDrill, type DrillReport } from '../../lakehouse/backup';
import { generate, runTask, tasks } from '../../pipeline';
import { openSites, type Sites } from '../integration/backup-helpers';

const DATES = ['2031-03-01', '2031-03-02', '2031-03-03'];
let sites: Sites;
let landing: string;

/** Task ids in dependency order (bronze, then what reads it, ...). */
function ordered(): string[] {
  const all = tasks();
  const done = new Set<string>();
  const out: string[] = [];
  while (out.length < all.length) {
    const ready = all.filter((t) => !done.has(t.id) && t.reads.every((r) => done.has(r) || !all.some((x) => x.id === r)));
    if (!ready.length) throw new Error(`cycle among ${all.filter((t) => !done.has(t.id)).map((t) => t.id).join(', ')}`);
    for (const t of ready) {
      done.add(t.id);
      out.push(t.id);
    }
  }
  return out;
}

async function runDay(date: string): Promise<void> {
  for (const taskId of ordered()) {
    await runTask({ warehouse: sites.warehouse, engine: sites.engine, landing, heartbeat: () => undefined }, { taskId, date, runId: `dr-${date}` });
  }
}

/** Rows and a content hash of the business columns of every table (per-run bookkeeping excluded). */
async function fingerprints(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await sites.warehouse.listTables()).filter((t) => !t.startsWith('ops.') && t !== 'silver.quality_metrics')) {
    const t = (await sites.warehouse.table(name))!;
    const fields = (await t.definition()).fields.filter((f) => !f.name.startsWith('_') && !/(run_id|batch_id|_at$|ingested|recorded|evaluated|report)/.test(f.name));
    const expr = (f: { name: string; type: string }) => (f.type === 'double' || f.type === 'float' ? `round("${f.name}", 9)` : `"${f.name}"`);
    const [r] = await t.query<Record<string, unknown>>(`SELECT count(*) AS rows, ${fields.map((f) => `CAST(coalesce(sum(hash(${expr(f)})), 0) AS VARCHAR) AS "${f.name}"`).join(', ')} FROM {{table}}`);
    out[name] = JSON.stringify(r);
  }
  return out;
}

beforeAll(async () => {
  sites = await openSites('dr-drill');
  landing = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-dr-landing-'));
  await generate({ landing, days: DATES.length, startDate: DATES[0], seed: 11, transactionsPerDay: 150, ticksPerDay: 120, customers: 30, defectRate: 0.03 } as Parameters<typeof generate>[0]);
}, 300_000);

afterAll(async () => {
  fs.rmSync(landing, { recursive: true, force: true });
  await sites?.dispose();
});

describe('disaster-recovery drill (primary MinIO -> backup MinIO)', () => {
  let report: DrillReport;
  let beforeDisaster: Record<string, string>;

  it('restores the warehouse from the backup site after the primary is destroyed, and reports RTO and RPO', async () => {
    await runDay(DATES[0]);
    await runDay(DATES[1]);
    const scheduled = await backupWarehouse(sites.primary, sites.backup, { runId: 'scheduled-1' });
    expect(scheduled.manifest.tables.length).toBeGreaterThan(5);
    await runDay(DATES[2]); // written after the last backup: lost in the disaster
    beforeDisaster = await fingerprints();

    report = await runDrill({ primary: sites.primary, backup: sites.backup, engine: sites.engine, backupFirst: false });
    console.log(formatDrill(report));
    expect(report.backupRunId).toBe('scheduled-1');
    expect(report.ok).toBe(true);
    for (const t of report.tables) {
      expect(t.restored, t.table).toMatchObject({ version: t.backupVersion, rows: t.expected.rows, hash: t.expected.hash });
    }
    // day 3 committed on the primary after the backup: that is the RPO the drill measures
    expect(report.tables.some((t) => t.lostVersions > 0)).toBe(true);
    expect(report.rpoMs).toBeGreaterThan(0);
    expect(report.rtoMs).toBeLessThan(3_600_000);
    // the primary now holds exactly the backed-up versions
    for (const t of report.tables) expect(await (await sites.warehouse.table(t.table))!.version(), t.table).toBe(t.backupVersion);
  }, 480_000); // three pipeline days on 2 shared cores

  it('running the lost day again brings every table back to its pre-disaster content', async () => {
    await runDay(DATES[2]);
    const after = await fingerprints();
    expect(Object.keys(after).sort()).toEqual(Object.keys(beforeDisaster).sort());
    for (const name of Object.keys(beforeDisaster)) expect(after[name], name).toBe(beforeDisaster[name]);
  }, 240_000);
});
