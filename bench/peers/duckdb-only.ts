/**
 * The DuckDB-only baseline of bench/medallion.ts, run as its own process (so its peak memory is
 * its own): node --import tsx bench/peers/duckdb-only.ts <landing> <out> [memoryLimit] [threads]
 * Prints one JSON line: per-stage milliseconds and the row counts (CSV lines the reader rejected
 * count as bronze rows and as quarantined, as FinanceLake keeps and quarantines them).
 */
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { countsSql, medallionSql } from './medallion-sql';

async function main(): Promise<void> {
  const [landing, out, memoryLimit = '1GB', threads = '2'] = process.argv.slice(2);
  if (!landing || !out) throw new Error('usage: duckdb-only.ts <landing> <out> [memoryLimit] [threads]');
  fs.rmSync(out, { recursive: true, force: true });
  for (const d of ['bronze', 'silver', 'gold']) fs.mkdirSync(`${out}/${d}`, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit, threads, temp_directory: `${out}/.tmp` });
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const stages: Record<string, number> = { bronze: 0, silver: 0, gold: 0 };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const s of medallionSql(landing, out)) {
    const t = performance.now();
    await conn.run(s.sql);
    stages[s.stage]! += performance.now() - t;
  }
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu0); // every thread of this process: DuckDB's included
  const cpuMs = (used.user + used.system) / 1000;
  const counts = (await conn.runAndReadAll(countsSql(out))).getRowObjectsJS()[0]!;
  const rejects = Number((await conn.runAndReadAll('SELECT count(DISTINCT (file_id, line)) FROM reject_errors')).getRowsJS()[0]![0]);
  console.log(JSON.stringify({ wallMs, cpuMs, stages, counts: { ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])), bronze: Number(counts.bronze) + rejects, quarantined: Number(counts.quarantined) + rejects, csvRejected: rejects } }));
  conn.closeSync();
  db.closeSync();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
