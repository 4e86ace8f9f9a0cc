/**
 * Backup and restore MB/s between the two MinIO servers against a plain recursive copy of the
 * same folder, in one run (goal >= 0.8x while the backup also checksums every byte it sends).
 *
 * The plain copy is the yardstick: one listing of the folder, then every object GET (whole)
 * then PUT to the other server, `--concurrency` at a time, no ordering, no checksums of its
 * own, no manifest: what a recursive `cp` does. The backup and the restore copy the same
 * objects with the same concurrency. Both sides share warm connections; the order of the two
 * alternates between repeats, and the median ratio is printed last.
 *
 *   npm run bench -- maintenance-backup [--backup-mb 64] [--writes 4] [--concurrency 4] [--repeat 3]
 * (also run as the S3 part of `npm run bench -- maintenance`)
 */
import { loadConfig } from '../config/env';
import { Engine, Warehouse } from '../lakehouse';
import { backupWarehouse, mapLimit, restoreFromBackup, verifyBackup } from '../lakehouse/backup';
import { S3Store, type ObjectStore } from '../lakehouse/storage';
import { arg, machineLine, printTable, ratio } from './lib';

const BACKUP_MB = Number(arg('backup-mb', '64'));
const CONCURRENCY = Number(arg('concurrency', '4'));
const REPEAT = Number(arg('repeat', '3'));
const WRITES = Number(arg('writes', '4'));

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
  // one client per server, shared by every run (warm connections for both contenders)
  const mainRoot = new S3Store('s3://financelake-test', main);
  const bkRoot = new S3Store('s3://financelake-backup', bk);
  // S3 requests sent by this process (both servers): a load-independent view of fixed costs
  let requests = 0;
  for (const root of [mainRoot, bkRoot]) {
    root.client.middlewareStack.add(
      (next) => (args) => {
        requests++;
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCount' },
    );
  }
  /** Wall time, this process's CPU time and S3 requests of one contender. */
  const timed = async <T>(fn: () => Promise<T>) => {
    const [cpu0, req0, t0] = [process.cpuUsage(), requests, performance.now()];
    const value = await fn();
    const cpu = process.cpuUsage(cpu0);
    return { value, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, requests: requests - req0 };
  };
  const open = (url: string) => (url.startsWith('s3://financelake-backup/') ? bkRoot : mainRoot).scoped(url.replace(/^s3:\/\/[^/]+\//, ''));
  const engine = await Engine.create({ threads: c.duckdb.threads, memoryLimit: c.duckdb.memoryLimit, extensionDirectory: c.duckdb.extensionDirectory, s3: main });
  try {
    await bkRoot.ensureBucket();
    const wh = await Warehouse.open(primaryUrl, { engine, s3: main });
    const t = await wh.createTable('bench.payload', { fields: [{ name: 'id', type: 'long' }, { name: 'r', type: 'double' }, { name: 'h', type: 'string' }] });
    const per = Math.round((BACKUP_MB * 1024 * 1024) / 30 / WRITES); // md5 text barely compresses: ~30 bytes a row in Parquet
    console.error(`writing a ~${BACKUP_MB} MB table on MinIO in ${WRITES} commits ...`);
    for (let k = 0; k < WRITES; k++) await t.write(`SELECT i AS id, random() AS r, md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) AS h FROM range(${k * per}, ${(k + 1) * per}) t(i)`, { targetFileSizeBytes: 16 * 1024 * 1024 });
    const primary = open(primaryUrl);
    const objects = await primary.list('');
    const total = objects.reduce((s, o) => s + o.size, 0);
    console.error(`${objects.length} objects, ${(total / 1024 / 1024).toFixed(1)} MB`);
    const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);
    // warm both servers' connections before anything is timed
    await plainCopy(primary.scoped('bench/payload/_delta_log'), open(`s3://financelake-backup/${id}/warm`), CONCURRENCY);
    const out: string[][] = [];
    const ratios = { backup: [] as number[], verified: [] as number[], restore: [] as number[], cpuBackup: [] as number[], cpuRestore: [] as number[] };
    const requestRow: string[] = [];
    for (let r = 0; r < REPEAT; r++) {
      const run = `${id}/r${r}`;
      const plainTarget = open(`s3://financelake-backup/${run}/plain`);
      const backupTarget = open(`s3://financelake-backup/${run}/backup`);
      const doPlain = () => timed(() => plainCopy(primary, plainTarget, CONCURRENCY));
      const doBackup = () => timed(() => backupWarehouse(primary, backupTarget, { concurrency: CONCURRENCY, runId: 'bench' }));
      const doPlainBack = () => timed(() => plainCopy(plainTarget, open(`s3://financelake-test/${run}/plain-back`), CONCURRENCY));
      const doRestore = () => timed(() => restoreFromBackup(backupTarget, open(`s3://financelake-test/${run}/restored`), { concurrency: CONCURRENCY }));
      // alternate who goes first: a shared machine drifts
      const first = r % 2 === 0;
      const plain = first ? await doPlain() : undefined;
      const backup = await doBackup();
      const plain2 = plain ?? (await doPlain());
      const verify = await timed(() => verifyBackup(backupTarget, { runId: 'bench' }));
      if (!verify.value.ok) throw new Error(`bench backup failed verification: ${JSON.stringify(verify.value.problems)}`);
      const plainBack = first ? await doPlainBack() : undefined;
      const restore = await doRestore();
      const plainBack2 = plainBack ?? (await doPlainBack());
      const bBytes = backup.value.manifest.tables.reduce((s, x) => s + x.files.reduce((a, f) => a + f.size, 0), 0);
      if (bBytes !== plain2.value) throw new Error(`the backup holds ${bBytes} bytes, the plain copy ${plain2.value}: not the same folder`);
      const tag = ` [${r + 1}/${REPEAT}]`;
      const line = (x: { ms: number; cpuMs: number; requests: number }) => `${x.ms.toFixed(0)} ms (cpu ${x.cpuMs.toFixed(0)} ms, ${x.requests} requests)`;
      console.error(`run ${r + 1}: plain ${line(plain2)}, backup ${line(backup)}, verify ${line(verify)}, plain back ${line(plainBack2)}, restore ${line(restore)}`);
      ratios.cpuBackup.push(backup.cpuMs / plain2.cpuMs);
      ratios.cpuRestore.push(restore.cpuMs / plainBack2.cpuMs);
      if (r === 0) requestRow.push(`${backup.requests} / ${restore.requests}`, `${plain2.requests} / ${plainBack2.requests}`);
      ratios.backup.push(plain2.ms / backup.ms);
      ratios.verified.push(plain2.ms / (backup.ms + verify.ms));
      ratios.restore.push(plainBack2.ms / restore.ms);
      out.push(
        [`backup ${(bBytes / 1024 / 1024).toFixed(0)} MB MinIO -> MinIO2 (sha256 in flight)${tag}`, `${mbps(bBytes, backup.ms).toFixed(1)} MB/s`, `${mbps(plain2.value, plain2.ms).toFixed(1)} MB/s (plain copy)`, ratio(mbps(bBytes, backup.ms), mbps(plain2.value, plain2.ms)), '>= 0.8x'],
        [`backup + full re-read verify${tag}`, `${mbps(bBytes, backup.ms + verify.ms).toFixed(1)} MB/s`, `${mbps(plain2.value, plain2.ms).toFixed(1)} MB/s`, ratio(mbps(bBytes, backup.ms + verify.ms), mbps(plain2.value, plain2.ms)), '-'],
        [`restore MinIO2 -> MinIO (checked against the manifest)${tag}`, `${mbps(bBytes, restore.ms).toFixed(1)} MB/s`, `${mbps(plainBack2.value, plainBack2.ms).toFixed(1)} MB/s (plain copy)`, ratio(mbps(bBytes, restore.ms), mbps(plainBack2.value, plainBack2.ms)), '>= 0.8x'],
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    out.push(
      [`backup, median of ${REPEAT}`, '', '', `${median(ratios.backup).toFixed(2)}x`, '>= 0.8x'],
      [`backup + full re-read verify, median of ${REPEAT}`, '', '', `${median(ratios.verified).toFixed(2)}x`, '-'],
      [`restore, median of ${REPEAT}`, '', '', `${median(ratios.restore).toFixed(2)}x`, '>= 0.8x'],
      [`CPU time of this process, backup / restore vs plain, median`, `${median(ratios.cpuBackup).toFixed(2)}x / ${median(ratios.cpuRestore).toFixed(2)}x`, '', '', '-'],
      [`S3 requests, backup / restore`, requestRow[0] ?? '', `${requestRow[1] ?? ''} (plain)`, '', '-'],
    );
    return out;
  } finally {
    for (const prefix of [`s3://financelake-test/${id}`, `s3://financelake-backup/${id}`]) {
      const s = new S3Store(prefix, prefix.includes('backup') ? bk : main);
      const all = await s.list('').catch(() => []);
      await mapLimit(all, 16, (o) => s.delete(o.key)).catch(() => undefined);
      s.destroy();
    }
    mainRoot.destroy();
    bkRoot.destroy();
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
