/**
 * Write and read N transaction rows as a Delta table on HDFS (WebHDFS; writes staged locally and
 * uploaded, reads through the engine's local cache) against the same on local disk and on MinIO,
 * in one run. Read = a full aggregate over the table from a fresh engine (cold: for HDFS that
 * includes filling the cache), then again on the same engine (warm).
 *
 *   npm run bench -- hdfs [--rows 1000000] [--days 30]   (needs: npm run infra -- up --with hdfs)
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/env';
import { ensureUp } from '../infra/stack';
import { BUCKETS } from '../infra/services';
import { Engine, Warehouse } from '../lakehouse';
import { TX_FIELDS, makeSource } from './lakehouse-write';
import { arg, benchDir, machineLine, printTable, secs } from './lib';

async function main(): Promise<void> {
  const rows = Number(arg('rows', '1000000'));
  const days = Number(arg('days', '30'));
  const config = loadConfig();
  await ensureUp(['minio', 'hdfs-namenode', 'hdfs-datanode']);
  const dir = benchDir('hdfs');
  const run = Date.now();
  const s3 = { endpoint: config.s3.endpoint, region: config.s3.region, accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey, forcePathStyle: config.s3.forcePathStyle };
  const hdfs = { httpPort: config.ports.hdfsNameNodeHttp };
  const stores: [string, string][] = [
    ['local disk', path.join(dir, 'warehouse')],
    ['MinIO (S3)', `s3://${BUCKETS.warehouse}/bench/hdfs/${run}`],
    ['HDFS (WebHDFS)', `hdfs://127.0.0.1:${config.ports.hdfsNameNodeRpc}/financelake-bench/${run}`],
  ];
  console.log(`# hdfs: write and read ${rows.toLocaleString('en')} rows (${days} date partitions) as a Delta table on each store`);
  console.log(`# ${machineLine()}`);
  const results: { store: string; writeMs: number; coldMs: number; warmMs: number; bytes: number; files: number; n: number }[] = [];
  const engineFor = (name: string) => {
    // the write path stages into cacheDir with mkdtemp, which needs the folder to exist
    const cacheDir = path.join(dir, `cache-${name}-${Date.now()}`);
    fs.mkdirSync(cacheDir, { recursive: true });
    return Engine.create({ memoryLimit: '4GB', threads: 2, tempDirectory: path.join(dir, 'tmp'), extensionDirectory: config.duckdb.extensionDirectory, s3, cacheDir });
  };
  for (const [name, url] of stores) {
    const writer = await engineFor('w');
    const conn = await writer.connect();
    await makeSource(conn, rows, days);
    const wh = await Warehouse.open(url, { engine: writer, s3, hdfs });
    const table = await wh.createTable('bench.transactions', { fields: TX_FIELDS, partitionColumns: ['date'] });
    let t = performance.now();
    const w = await table.write('SELECT * FROM src', { conn });
    const writeMs = performance.now() - t;
    conn.closeSync();
    await writer.close();
    // a fresh engine and a fresh cache: the first read comes from the store
    const reader = await engineFor('r');
    await reader.run('SET GLOBAL enable_external_file_cache = false');
    const rt = await (await Warehouse.open(url, { engine: reader, s3, hdfs })).table('bench.transactions');
    const q = 'SELECT count(*) AS n, sum(amount_usd) AS usd, count(DISTINCT customer_id) AS customers FROM {{table}}';
    t = performance.now();
    const r = await rt!.query<{ n: number }>(q);
    const coldMs = performance.now() - t;
    t = performance.now();
    await rt!.query(q);
    const warmMs = performance.now() - t;
    await reader.close();
    if (Number(r[0]!.n) !== rows) throw new Error(`${name}: read ${r[0]!.n} rows, wrote ${rows}`);
    results.push({ store: name, writeMs, coldMs, warmMs, bytes: w.metrics.numOutputBytes, files: w.metrics.numAddedFiles, n: Number(r[0]!.n) });
    console.error(`${name}: write ${secs(writeMs)} s, read cold ${secs(coldMs)} s, warm ${secs(warmMs)} s`);
  }
  const local = results[0]!;
  console.log();
  printTable(
    ['store', 'files', 'MB', 'write s', 'write rows/s', 'write vs local', 'read cold s', 'cold vs local', 'read warm s', 'warm vs local'],
    results.map((r) => [
      r.store,
      r.files,
      (r.bytes / 2 ** 20).toFixed(1),
      secs(r.writeMs),
      Math.round(rows / (r.writeMs / 1000)).toLocaleString('en'),
      `${(r.writeMs / local.writeMs).toFixed(2)}x`,
      secs(r.coldMs),
      `${(r.coldMs / local.coldMs).toFixed(2)}x`,
      secs(r.warmMs),
      `${(r.warmMs / local.warmMs).toFixed(2)}x`,
    ]),
  );
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify({ rows, days, results, machine: machineLine() }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
