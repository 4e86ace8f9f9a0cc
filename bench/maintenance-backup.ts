/**
 * Backup and restore MB/s between the two MinIO servers against a plain recursive copy of the
 * same folder, in one run (goal >= 0.8x while the backup also checksums every byte it sends).
 *
 * The plain copy is the yardstick: one listing, every object GET then PUT with the same
 * concurrency as the backup, no ordering, no checksums, no manifest.
 *
 *   npm run bench -- maintenance-backup [--backup-mb 64] [--concurrency 4] [--repeat 1]
 * (also run as the S3 part of `npm run bench -- maintenance`)
 */
import { loadConfig } from '../config/env';
import { Engine, Warehouse } from '../lakehouse';
import { backupWarehouse, mapLimit, restoreFromBackup, verifyBackup } from '../lakehouse/backup';
import { S3Store, type ObjectStore } from '../lakehouse/storage';
import { arg, machineLine, printTable, ratio, timed } from './lib';

const BACKUP_MB = Number(arg('backup-mb', '64'));
const CONCURRENCY = Number(arg('concurrency', '4'));
const REPEAT = Number(arg('repeat', '1'));

/** The same objects copied with the same concurrency, no ordering, no checksums: the yardstick. */
async function plainCopy(src: ObjectStore, dst: ObjectStore, concurrency: number): Promise<number> {
  const all = await src.list('');
  let bytes = 0;
  await mapLimit(all, concurrency, async (o) => {
    const body = await src.get(o.key);
    await dst.put(o.key, body);
    bytes += body.byteLength;
  });
  return bytes;
}

export async function backupBench(): Promise<string[][]> {
  const c = loadConfig();
  const main = { endpoint: c.s3.endpoint, region: c.s3.region, accessKeyId: c.s3.accessKeyId, secretAccessKey: c.s3.secretAccessKey, forcePathStyle: c.s3.forcePathStyle };
  const bk = { endpoint: c.backupS3.endpoint, region: c.backupS3.region, accessKeyId: c.backupS3.accessKeyId, secretAccessKey: c.backupS3.secretAccessKey, forcePathStyle: c.backupS3.forcePathStyle };
  const id = `bench-maint-${Date.now().toString(36)}`;
  const primaryUrl = `s3://financelake-test/${id}/wh`;
  const stores: S3Store[] = [];
  const open = (url: string, o: typeof main) => {
    const s = new S3Store(url, o);
    stores.push(s);
    return s;
  };
  const engine = await Engine.create({ threads: c.duckdb.threads, memoryLimit: c.duckdb.memoryLimit, extensionDirectory: c.duckdb.extensionDirectory, s3: main });
  try {
    await new S3Store('s3://financelake-backup', bk).ensureBucket();
    const wh = await Warehouse.open(primaryUrl, { engine, s3: main });
    const t = await wh.createTable('bench.payload', { fields: [{ name: 'id', type: 'long' }, { name: 'r', type: 'double' }, { name: 'h', type: 'string' }] });
    const rows = Math.round((BACKUP_MB * 1024 * 1024) / 48 / 4) * 4; // md5 text barely compresses: ~48 bytes a row
    console.error(`writing a ~${BACKUP_MB} MB table on MinIO ...`);
    for (let k = 0; k < 4; k++) await t.write(`SELECT i AS id, random() AS r, md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) AS h FROM range(${(k * rows) / 4}, ${((k + 1) * rows) / 4}) t(i)`, { targetFileSizeBytes: 16 * 1024 * 1024 });
    const primary = open(primaryUrl, main);
    const objects = await primary.list('');
    const total = objects.reduce((s, o) => s + o.size, 0);
    console.error(`${objects.length} objects, ${(total / 1024 / 1024).toFixed(1)} MB`);
    const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);
    const out: string[][] = [];
    for (let r = 0; r < REPEAT; r++) {
      const run = `${id}/r${r}`;
      const plain = await timed(() => plainCopy(primary, open(`s3://financelake-backup/${run}/plain`, bk), CONCURRENCY));
      const backup = await timed(() => backupWarehouse(primary, open(`s3://financelake-backup/${run}/backup`, bk), { concurrency: CONCURRENCY, runId: 'bench' }));
      const verify = await timed(() => verifyBackup(open(`s3://financelake-backup/${run}/backup`, bk), { runId: 'bench' }));
      if (!verify.value.ok) throw new Error(`bench backup failed verification: ${JSON.stringify(verify.value.problems)}`);
      const plainBack = await timed(() => plainCopy(open(`s3://financelake-backup/${run}/plain`, bk), open(`s3://financelake-test/${run}/plain-back`, main), CONCURRENCY));
      const restore = await timed(() => restoreFromBackup(open(`s3://financelake-backup/${run}/backup`, bk), open(`s3://financelake-test/${run}/restored`, main), { concurrency: CONCURRENCY }));
      const bBytes = backup.value.manifest.tables.reduce((s, x) => s + x.files.reduce((a, f) => a + f.size, 0), 0);
      const tag = REPEAT > 1 ? ` [${r + 1}/${REPEAT}]` : '';
      console.error(`run ${r + 1}: plain ${plain.ms.toFixed(0)} ms, backup ${backup.ms.toFixed(0)} ms, verify ${verify.ms.toFixed(0)} ms, plain back ${plainBack.ms.toFixed(0)} ms, restore ${restore.ms.toFixed(0)} ms`);
      out.push(
        [`backup ${(bBytes / 1024 / 1024).toFixed(0)} MB MinIO -> MinIO2 (sha256 in flight)${tag}`, `${mbps(bBytes, backup.ms).toFixed(1)} MB/s`, `${mbps(plain.value, plain.ms).toFixed(1)} MB/s (plain copy)`, ratio(mbps(bBytes, backup.ms), mbps(plain.value, plain.ms)), '>= 0.8x'],
        [`backup + checksum verify${tag}`, `${mbps(bBytes, backup.ms + verify.ms).toFixed(1)} MB/s`, `${mbps(plain.value, plain.ms).toFixed(1)} MB/s`, ratio(mbps(bBytes, backup.ms + verify.ms), mbps(plain.value, plain.ms)), '-'],
        [`restore MinIO2 -> MinIO (checked against the manifest)${tag}`, `${mbps(bBytes, restore.ms).toFixed(1)} MB/s`, `${mbps(plainBack.value, plainBack.ms).toFixed(1)} MB/s (plain copy)`, ratio(mbps(bBytes, restore.ms), mbps(plainBack.value, plainBack.ms)), '>= 0.8x'],
      );
    }
    return out;
  } finally {
    for (const prefix of [`s3://financelake-test/${id}`, `s3://financelake-backup/${id}`]) {
      const s = new S3Store(prefix, prefix.includes('backup') ? bk : main);
      const all = await s.list('').catch(() => []);
      await mapLimit(all, 16, (o) => s.delete(o.key)).catch(() => undefined);
      s.destroy();
    }
    for (const s of stores) s.destroy();
    await engine.close();
  }
}

if (require.main === module) {
  backupBench()
    .then((rows) => {
      console.log(machineLine());
      printTable(['benchmark', 'financelake', 'reference', 'ratio', 'goal'], rows);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
