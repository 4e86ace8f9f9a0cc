/**
 * Backups between two real MinIO servers (primary :9000, backup site :9100): a consistent
 * target while the table is written, a backup process killed mid-way and resumed, a
 * corrupted target file caught by verify, restore read back by delta-rs.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupWarehouse, listManifests, putVerified, restoreFromBackup, sha256, verifyBackup } from '../../lakehouse/backup';
import type { DeltaTable } from '../../lakehouse';
import { S3Store } from '../../lakehouse/storage';
import { deltaRsRead, openSites, s3, tradesQuery, TRADES, type Sites } from './backup-helpers';

let sites: Sites;
let trades: DeltaTable;
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

beforeAll(async () => {
  sites = await openSites('backup');
  trades = await sites.warehouse.createTable('silver.trades', TRADES);
  for (let k = 0; k < 5; k++) await trades.write(tradesQuery(k * 100, (k + 1) * 100));
});
afterAll(async () => sites?.dispose());

describe('backup to the second MinIO site', () => {
  it('a backup taken while the table is written is a consistent version, readable by delta-rs', async () => {
    let writing = true;
    let next = 500;
    const writer = (async () => {
      while (writing && next < 1500) {
        await trades.write(tradesQuery(next, next + 50));
        next += 50;
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 300)); // let the writer get going
      const r = await backupWarehouse(sites.primary, sites.backup, { runId: 'during-writes' });
      const v = r.manifest.tables[0].version;
      const fromBackup = deltaRsRead(`${sites.backupUrl}/silver/trades`, 'backup');
      expect(fromBackup.version).toBe(v);
      // the backed-up version holds exactly the rows the primary had at that version
      const primaryAtV = await trades.query<{ n: number }>('SELECT count(*) AS n FROM {{table}}', { version: v });
      expect(fromBackup.rows).toBe(Number(primaryAtV[0].n));
      expect(fromBackup.ids).toEqual(range(0, fromBackup.rows));
    } finally {
      writing = false;
      await writer;
    }
    const again = await backupWarehouse(sites.primary, sites.backup, { runId: 'after-writes' });
    expect(again.manifest.tables[0].version).toBe(await trades.version());
    expect((await verifyBackup(sites.backup, { runId: 'after-writes' })).ok).toBe(true);
  });

  it('a backup process killed mid-way leaves a valid target, and the re-run completes and verifies', async () => {
    for (let k = 0; k < 12; k++) await trades.write(tradesQuery(2000 + k * 10, 2000 + (k + 1) * 10)); // 24 new files to copy
    const latest = await trades.version();
    const before = deltaRsRead(`${sites.backupUrl}/silver/trades`, 'backup').version;
    // files of the table the backup site lacks (24 data files, 12 commits, a checkpoint or two)
    const have = new Set((await sites.backup.list('silver/trades/')).map((o) => o.key));
    const missing = (await sites.primary.list('silver/trades/')).filter((o) => !have.has(o.key)).length;
    const root = path.resolve(__dirname, '../..');
    // The child SIGKILLs itself after copying 8 new data files (a hard kill at a known point, whatever the
    // machine's load): no finally blocks, no manifest, copies in flight abandoned.
    const code = `
const { S3Store } = require(${JSON.stringify(path.join(root, 'lakehouse/storage'))});
const { backupWarehouse } = require(${JSON.stringify(path.join(root, 'lakehouse/backup'))});
const main = ${JSON.stringify(s3('main'))}, backup = ${JSON.stringify(s3('backup'))};
backupWarehouse(new S3Store(${JSON.stringify(sites.primaryUrl)}, main), new S3Store(${JSON.stringify(sites.backupUrl)}, backup),
  { runId: 'killed', concurrency: 2, onProgress: (p) => { if (p.phase === 'data' && p.copiedFiles >= 8) process.kill(process.pid, 'SIGKILL'); } })
  .then(() => console.log('finished'));
`;
    const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [, signal] = (await new Promise((resolve) => child.once('exit', (c, sig) => resolve([c, sig])))) as [number | null, string | null];
    expect(out).not.toContain('finished');
    expect(signal ?? 'SIGKILL').toBe('SIGKILL');
    // killed in the data phase: no manifest for the run; the target reads at a version between the
    // old one and the newest (commits are written as their files arrive), with exactly its rows
    expect((await listManifests(sites.backup)).map((m) => m.runId)).not.toContain('killed');
    const partial = deltaRsRead(`${sites.backupUrl}/silver/trades`, 'backup');
    expect(partial.version).toBeGreaterThanOrEqual(before);
    expect(partial.version).toBeLessThan(latest);
    expect(partial.rows).toBe(Number((await trades.query<{ n: number }>('SELECT count(*) AS n FROM {{table}}', { version: partial.version }))[0].n));

    const resumed = await backupWarehouse(sites.primary, sites.backup, { runId: 'killed' });
    expect(resumed.manifest.tables[0].version).toBe(latest);
    expect(resumed.copiedFiles).toBeGreaterThan(0);
    expect(resumed.copiedFiles).toBeLessThanOrEqual(missing - 8 + 1); // the 8+ files the killed run copied were not copied again (+1: _last_checkpoint is rewritten)
    const v = await verifyBackup(sites.backup, { runId: 'killed' });
    expect(v.ok).toBe(true);
    const read = deltaRsRead(`${sites.backupUrl}/silver/trades`, 'backup');
    expect(read.version).toBe(latest);
    expect(read.rows).toBe(await trades.count());
  });

  it('a copy into S3 is checked by the target server against its sha256: a mismatch is refused and nothing is stored', async () => {
    const body = Buffer.from('{"commitInfo":{"timestamp":1}}\n');
    await expect(putVerified(sites.backup, 'probe/checked.json', body, sha256(Buffer.from('something else')))).rejects.toThrow(/SHA256|sha256/);
    expect(await sites.backup.head('probe/checked.json')).toBeUndefined();
    await putVerified(sites.backup, 'probe/checked.json', body, sha256(body));
    expect(Buffer.from(await sites.backup.get('probe/checked.json')).equals(body)).toBe(true);
    await sites.backup.delete('probe/checked.json');
  });

  it('verify names a corrupted file in the target', async () => {
    const m = (await listManifests(sites.backup)).at(-1)!;
    const victim = m.tables[0].files.find((f) => f.kind === 'data')!;
    const key = `${m.tables[0].prefix}/${victim.key}`;
    const good = await sites.backup.get(key);
    const bad = Buffer.from(good);
    bad[100] ^= 0x5a;
    await sites.backup.put(key, bad);
    try {
      const r = await verifyBackup(sites.backup);
      expect(r.ok).toBe(false);
      expect(r.problems).toEqual([expect.objectContaining({ key, problem: 'checksum', table: 'silver.trades' })]);
    } finally {
      await sites.backup.put(key, good);
    }
    expect((await verifyBackup(sites.backup)).ok).toBe(true);
  });

  it('restores the warehouse into a fresh location at a version and at the newest backup', async () => {
    const fresh = `${sites.primaryUrl}-restored`;
    const dest = new S3Store(fresh, s3('main'));
    try {
      const r = await restoreFromBackup(sites.backup, dest, { tables: ['silver.trades'], version: 3 });
      expect(r.tables[0].version).toBe(3);
      expect(deltaRsRead(`${fresh}/silver/trades`, 'main')).toMatchObject({ version: 3, rows: 300, ids: range(0, 300) }) // v0 is the CREATE;
      await restoreFromBackup(sites.backup, dest);
      const all = deltaRsRead(`${fresh}/silver/trades`, 'main');
      expect(all.version).toBe(await trades.version());
      expect(all.rows).toBe(await trades.count());
    } finally {
      for (const o of await dest.list('')) await dest.delete(o.key);
    }
  });
});
