/**
 * A selective query (one date, one customer) on a large transactions table on MinIO, against a
 * full scan of the same table and against delta-rs (QueryBuilder) on the same table. Bytes read
 * are DuckDB's own HTTP counters (EXPLAIN ANALYZE), and the bytes of the files our planner kept.
 *
 * The table: N rows over 30 dates, partitioned by date, each partition written ordered by
 * customer_id (as `table zorder` leaves it), so Parquet row-group stats can skip within a file.
 *
 *   npm run bench -- selective-query [--rows 1000000] [--repeat 3] (needs MinIO: npm run infra -- up)
 */
import path from 'node:path';
import { loadConfig } from '../config/env';
import { ensureUp } from '../infra/stack';
import { BUCKETS } from '../infra/services';
import { Engine, Warehouse } from '../lakehouse';
import { TX_FIELDS, makeSource } from './lakehouse-write';
import { arg, lastJson, machineLine, printTable, python, runChild, secs } from './lib';

const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const UNITS: Record<string, number> = { bytes: 1, B: 1, KiB: 1024, KB: 1000, MiB: 1024 ** 2, MB: 1e6, GiB: 1024 ** 3, GB: 1e9 };

/** Bytes DuckDB's httpfs received, from the EXPLAIN ANALYZE text (undefined when not shown). */
function httpIn(plan: string): number | undefined {
  const m = /in:\s*([\d.]+)\s*(bytes|B|KiB|KB|MiB|MB|GiB|GB)/i.exec(plan);
  return m ? Number(m[1]) * (UNITS[m[2]!] ?? 1) : undefined;
}

async function main(): Promise<void> {
  const rows = Number(arg('rows', '1000000'));
  const repeat = Number(arg('repeat', '3'));
  const config = loadConfig();
  await ensureUp(['minio']);
  const s3 = { endpoint: config.s3.endpoint, region: config.s3.region, accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey, forcePathStyle: config.s3.forcePathStyle };
  const engine = await Engine.create({ memoryLimit: '4GB', threads: 2, tempDirectory: path.join(config.root, '.data', 'bench', 'tmp'), extensionDirectory: config.duckdb.extensionDirectory, s3 });
  const conn = await engine.connect();
  const url = `s3://${BUCKETS.warehouse}/bench/selective-query/${Date.now()}`;
  console.log(`# selective-query: ${rows.toLocaleString('en')} rows, 30 dates, partitioned by date, sorted by customer_id in each, on MinIO (${url})`);
  console.log(`# ${machineLine()}`);
  let t = performance.now();
  await makeSource(conn, rows, 30);
  const warehouse = await Warehouse.open(url, { engine, s3 });
  const table = await warehouse.createTable('silver.transactions', { fields: TX_FIELDS, partitionColumns: ['date'] });
  await table.write('SELECT * FROM src ORDER BY date, customer_id', { conn });
  console.log(`# table written in ${secs(performance.now() - t)} s`);
  const date = '2024-01-15';
  const pick = await engine.all<{ c: string }>(`SELECT customer_id AS c FROM src WHERE date = DATE '${date}' ORDER BY transaction_id LIMIT 1`, conn);
  const customer = pick[0]!.c;
  const expected = await engine.all<{ n: number }>(`SELECT count(*) AS n FROM src WHERE date = DATE '${date}' AND customer_id = '${customer}'`, conn);
  await conn.run('DROP TABLE src');
  // every run reads from MinIO, as delta-rs does (DuckDB would otherwise serve repeats from its file cache)
  await conn.run('SET GLOBAL enable_external_file_cache = false');

  const runOurs = async (predicate: string | undefined, where: string) => {
    const times: number[] = [];
    let plan = '';
    let scan = { filesTotal: 0, filesScanned: 0, bytesScanned: 0 };
    let n = 0;
    for (let k = 0; k < repeat; k++) {
      const c = await engine.connect();
      t = performance.now();
      scan = await table.registerView(c, 'tx', predicate ? { predicate } : {});
      const r = await engine.all<{ n: number }>(`SELECT count(*) AS n, sum(amount_usd) AS usd FROM tx ${where}`, c);
      times.push(performance.now() - t);
      n = Number(r[0]!.n);
      if (k === repeat - 1) {
        const p = await engine.all<{ explain_value: string }>(`EXPLAIN ANALYZE SELECT count(*) AS n, sum(amount_usd) AS usd FROM tx ${where}`, c);
        plan = p.map((x) => String(Object.values(x).at(-1))).join('\n');
      }
      c.closeSync();
    }
    return { times, scan, n, httpBytes: httpIn(plan) };
  };
  const sel = await runOurs(`date = '${date}' AND customer_id = '${customer}'`, `WHERE date = DATE '${date}' AND customer_id = '${customer}'`);
  const full = await runOurs(undefined, '');
  if (sel.n !== Number(expected[0]!.n)) throw new Error(`selective query returned ${sel.n} rows, expected ${expected[0]!.n}`);

  let rs: { selectiveMs: number[]; fullMs: number[]; selective: { n: number }[]; full: { n: number }[] } | undefined;
  const py = python('deltalake');
  if (py) {
    const run = await runChild(py, [path.join(__dirname, 'peers', 'deltars_query.py'), table.store.url, date, customer, String(repeat)], {
      env: { S3_ENDPOINT: config.s3.endpoint, S3_ACCESS_KEY_ID: config.s3.accessKeyId, S3_SECRET_ACCESS_KEY: config.s3.secretAccessKey, S3_REGION: config.s3.region },
    });
    rs = lastJson(run, 'delta-rs query');
  }
  console.log();
  printTable(
    ['query', 'rows matched', 'files kept / total', 'bytes of kept files', 'HTTP bytes in (DuckDB)', 'ours best s', 'ours median s', 'delta-rs best s', 'delta-rs median s', 'ours / delta-rs'],
    [
      ['one date + one customer', sel.n, `${sel.scan.filesScanned} / ${sel.scan.filesTotal}`, kb(sel.scan.bytesScanned), sel.httpBytes !== undefined ? kb(sel.httpBytes) : '-', secs(Math.min(...sel.times)), secs(median(sel.times)), rs ? secs(Math.min(...rs.selectiveMs)) : '-', rs ? secs(median(rs.selectiveMs)) : '-', rs ? `${(Math.min(...sel.times) / Math.min(...rs.selectiveMs)).toFixed(2)}x` : '-'],
      ['full scan', full.n, `${full.scan.filesScanned} / ${full.scan.filesTotal}`, kb(full.scan.bytesScanned), full.httpBytes !== undefined ? kb(full.httpBytes) : '-', secs(Math.min(...full.times)), secs(median(full.times)), rs ? secs(Math.min(...rs.fullMs)) : '-', rs ? secs(median(rs.fullMs)) : '-', rs ? `${(Math.min(...full.times) / Math.min(...rs.fullMs)).toFixed(2)}x` : '-'],
    ],
  );
  console.log(`selective / full (ours): time ${(Math.min(...sel.times) / Math.min(...full.times)).toFixed(3)}x, bytes of kept files ${(sel.scan.bytesScanned / full.scan.bytesScanned).toFixed(3)}x${sel.httpBytes && full.httpBytes ? `, HTTP bytes ${(sel.httpBytes / full.httpBytes).toFixed(3)}x` : ''}`);
  if (rs) console.log(`delta-rs rows: selective ${JSON.stringify(rs.selective)}, full ${JSON.stringify(rs.full)}`);
  conn.closeSync();
  await engine.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
