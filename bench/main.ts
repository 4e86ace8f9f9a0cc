/**
 * `npm run bench -- <name> [options]`: runs one benchmark script (they are not tests).
 * Names: medallion, lakehouse-write, snapshot-load, selective-query, hdfs, quality-overhead, maintenance, maintenance-optimize, maintenance-backup.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const BENCHES: Record<string, string> = {
  medallion: 'the medallion job: FinanceLake on Temporal vs DuckDB-only SQL, polars+delta-rs, Spark+delta-spark',
  'lakehouse-write': 'a partitioned Delta write vs DuckDB COPY TO Parquet (--store local|s3)',
  'snapshot-load': 'snapshot load of 5,000 commits / 50,000 files, with and without checkpoints, vs delta-rs',
  'selective-query': 'one date + one key on MinIO: bytes and time vs a full scan and vs delta-rs',
  hdfs: 'write and read N rows on HDFS vs local disk vs MinIO',
  'quality-overhead': 'the silver step with and without the quality suite',
  maintenance: 'table maintenance (optimize, vacuum, checkpoint)',
  'maintenance-optimize': 'optimize of 10,000 small files (10M rows) vs delta-rs compact(), alternating rounds, wall and CPU',
  'maintenance-backup': 'backup and restore MB/s between the two MinIO servers vs a plain copy of the same folder',
  'profile-tasks': 'where the time of one day of tasks goes: every DuckDB statement of runTask timed, in-process',
};

const [name, ...rest] = process.argv.slice(2);
if (!name || !BENCHES[name]) {
  console.error(`usage: npm run bench -- <name> [options]\n${Object.entries(BENCHES).map(([n, d]) => `  ${n.padEnd(17)} ${d}`).join('\n')}`);
  process.exit(name ? 2 : 0);
}
const file = path.join(__dirname, `${name}.ts`);
if (!fs.existsSync(file)) {
  console.error(`bench ${name}: ${path.relative(process.cwd(), file)} does not exist yet`);
  process.exit(2);
}
// one node process per benchmark, so its memory figures are its own
const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
