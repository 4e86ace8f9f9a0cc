/**
 * Writing N transaction-shaped rows, partitioned by date, as a Delta table with our lakehouse
 * (DeltaTable.write: COPY ... RETURN_STATS + add actions + the commit) against DuckDB's own
 * `COPY ... TO` Parquet of the same rows with the same options, on the same disk / bucket, from
 * the same in-memory source, in one process. Goal: ours <= 1.1x. Not a test.
 *
 *   npm run bench -- lakehouse-write [--rows 1000000] [--days 30] [--store local|s3] [--repeat 3] [--memory 4GB]
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/env';
import { BUCKETS } from '../infra/services';
import { Engine, Warehouse, ZSTD_LEVEL, type DuckDBConnection } from '../lakehouse';
import { arg, benchDir, machineLine, mb, printTable, ROOT, secs } from './lib';

export const TX_FIELDS = [
  { name: 'transaction_id', type: 'string' as const },
  { name: 'account_id', type: 'string' as const },
  { name: 'customer_id', type: 'string' as const },
  { name: 'ts', type: 'timestamp' as const },
  { name: 'amount', type: 'decimal(18,2)' as const },
  { name: 'currency', type: 'string' as const },
  { name: 'type', type: 'string' as const },
  { name: 'counterparty', type: 'string' as const },
  { name: 'status', type: 'string' as const },
  { name: 'amount_usd', type: 'double' as const },
  { name: 'region', type: 'string' as const },
  { name: 'date', type: 'date' as const },
];

/**
 * N silver-shaped transactions over `days` dates, in a temp table `src` on `conn` (deterministic). `ts` is
 * TIMESTAMPTZ, as silver's is and as a Delta `timestamp` is stored: so `COPY` writes the same type we do and the
 * comparison holds no per-row TIMESTAMP -> TIMESTAMPTZ conversion on one side only.
 */
export async function makeSource(conn: DuckDBConnection, rows: number, days: number, start = '2024-01-01'): Promise<void> {
  await conn.run("SET TimeZone = 'UTC'");
  await conn.run(`CREATE OR REPLACE TEMP TABLE src AS
    SELECT 'T' || lpad(CAST(i AS VARCHAR), 10, '0') AS transaction_id,
      'A' || lpad(CAST(hash(i) % 200000 AS VARCHAR), 6, '0') AS account_id,
      'C' || lpad(CAST(hash(i * 7) % 50000 AS VARCHAR), 6, '0') AS customer_id,
      CAST(TIMESTAMP '${start}' + INTERVAL (i % ${days}) DAY + to_milliseconds(CAST(hash(i * 13) % 86400000 AS BIGINT)) AS TIMESTAMPTZ) AS ts,
      CAST((hash(i * 17) % 10000000) / 100.0 + 0.01 AS DECIMAL(18,2)) AS amount,
      ['USD','EUR','GBP','CHF','JPY','SGD','HKD','AUD'][1 + CAST(hash(i * 19) % 8 AS BIGINT)] AS currency,
      ['debit','credit','transfer','fee'][1 + CAST(hash(i * 23) % 4 AS BIGINT)] AS type,
      'MERCHANT-' || lpad(CAST(hash(i * 29) % 80 AS VARCHAR), 3, '0') AS counterparty,
      ['posted','pending','reversed'][1 + CAST(hash(i * 31) % 3 AS BIGINT)] AS status,
      CAST((hash(i * 17) % 10000000) / 100.0 AS DOUBLE) * 1.07 AS amount_usd,
      ['US','EU','APAC'][1 + CAST(hash(i * 37) % 3 AS BIGINT)] AS region,
      CAST(TIMESTAMP '${start}' + INTERVAL (i % ${days}) DAY AS DATE) AS date
    FROM range(${rows}) r(i)`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const rows = Number(arg('rows', '1000000'));
  const days = Number(arg('days', '30'));
  const store = arg('store', 'local');
  const repeat = Number(arg('repeat', '3'));
  const memory = arg('memory', '4GB');
  const config = loadConfig();
  const dir = benchDir(`lakehouse-write-${store}`);
  const run = `${Date.now()}`;
  const base = store === 's3' ? `s3://${BUCKETS.warehouse}/bench/lakehouse-write/${run}` : dir;
  const s3 = store === 's3' ? { endpoint: config.s3.endpoint, region: config.s3.region, accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey, forcePathStyle: config.s3.forcePathStyle } : undefined;
  const engine = await Engine.create({ memoryLimit: memory, threads: 2, tempDirectory: path.join(dir, 'tmp'), extensionDirectory: config.duckdb.extensionDirectory, s3 });
  const conn = await engine.connect();
  console.log(`# lakehouse-write: ${rows.toLocaleString('en')} rows over ${days} dates, partitioned by date, store ${store} (${base}), best of ${repeat} alternating runs (median shown too)`);
  console.log(`# ${machineLine()}`);
  const tMake = performance.now();
  await makeSource(conn, rows, days);
  console.log(`# source made in memory in ${secs(performance.now() - tMake)} s`);
  const warehouse = await Warehouse.open(`${base}/delta`, { engine, s3 });
  const ours: number[] = [];
  const copy: number[] = [];
  const copyStats: number[] = [];
  let bytesOurs = 0;
  let files = 0;
  for (let k = 0; k < repeat; k++) {
    // ours: a new table each round, so every round writes the same thing
    const table = await warehouse.createTable(`bench.tx_${k}`, { fields: TX_FIELDS, partitionColumns: ['date'] });
    let t = performance.now();
    const r = await table.write('SELECT * FROM src', { conn, mode: 'append' });
    ours.push(performance.now() - t);
    bytesOurs = r.metrics.numOutputBytes;
    files = r.metrics.numAddedFiles;
    // DuckDB alone: the same COPY options the lakehouse uses (zstd at its level, 122880-row groups), no log
    const target = `${base}/copy_${k}`;
    if (store !== 's3') fs.mkdirSync(target, { recursive: true });
    t = performance.now();
    await conn.run(`COPY (SELECT * FROM src) TO '${target}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${ZSTD_LEVEL}, ROW_GROUP_SIZE 122880, PARTITION_BY (date), OVERWRITE_OR_IGNORE)`);
    copy.push(performance.now() - t);
    // the same COPY returning per-file stats (what the Delta add actions are built from): splits our overhead
    const target2 = `${base}/copystats_${k}`;
    if (store !== 's3') fs.mkdirSync(target2, { recursive: true });
    t = performance.now();
    await conn.run(`COPY (SELECT * FROM src) TO '${target2}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${ZSTD_LEVEL}, ROW_GROUP_SIZE 122880, PARTITION_BY (date), OVERWRITE_OR_IGNORE, RETURN_STATS true)`);
    copyStats.push(performance.now() - t);
    console.error(`round ${k + 1}: ours ${secs(ours.at(-1)!)} s, COPY ${secs(copy.at(-1)!)} s, COPY+RETURN_STATS ${secs(copyStats.at(-1)!)} s`);
  }
  const best = (xs: number[]) => Math.min(...xs);
  console.log();
  printTable(
    ['writer', 'best s', 'median s', 'rows/s (best)', 'ratio best', 'ratio median'],
    [
      ['FinanceLake DeltaTable.write', secs(best(ours)), secs(median(ours)), Math.round(rows / (best(ours) / 1000)).toLocaleString('en'), `${(best(ours) / best(copy)).toFixed(2)}x`, `${(median(ours) / median(copy)).toFixed(2)}x`],
      ['DuckDB COPY TO Parquet', secs(best(copy)), secs(median(copy)), Math.round(rows / (best(copy) / 1000)).toLocaleString('en'), '1.00x', '1.00x'],
      ['DuckDB COPY ... RETURN_STATS', secs(best(copyStats)), secs(median(copyStats)), Math.round(rows / (best(copyStats) / 1000)).toLocaleString('en'), `${(best(copyStats) / best(copy)).toFixed(2)}x`, `${(median(copyStats) / median(copy)).toFixed(2)}x`],
    ],
  );
  console.log(`ours wrote ${files} files, ${mb(bytesOurs)}; goal <= 1.1x`);
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify({ rows, days, store, ours, copy, copyStats, machine: machineLine() }, null, 2));
  conn.closeSync();
  await engine.close();
  if (store !== 's3') fs.rmSync(path.join(ROOT, '.data', 'bench', `lakehouse-write-${store}`), { recursive: true, force: true });
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
