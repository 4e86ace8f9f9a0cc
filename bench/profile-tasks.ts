/**
 * Where a day's pipeline time goes: runs the medallion tasks of one landing day in-process (no
 * Temporal) through pipeline.runTask, timing every DuckDB statement (and the JS time between
 * them), and prints the slowest statements per task. A profiling aid for bench/medallion.ts.
 *
 *   npm run bench -- profile-tasks [--rows 200000] [--days 1] [--top 8] [--memory 1GB] [--show bronze.transactions,silver.transactions]
 *
 * `--days N` runs the first N landing dates in order (a later day's silver dedups against stored
 * silver, as in a multi-day run) and lists the slowest statements of the last one.
 */
import path from 'node:path';
import { DuckDBConnection } from '@duckdb/node-api';
import { loadConfig } from '../config/env';
import { Engine, Warehouse } from '../lakehouse';
import { runTask } from '../pipeline';
import { prepareLanding } from './landing';
import { arg, benchDir, machineLine, printTable, secs } from './lib';

interface Timing {
  task: string;
  sql: string;
  ms: number;
  /** CPU seconds of the whole process (DuckDB's threads included): steadier than wall time on a busy machine */
  cpu: number;
}

const timings: Timing[] = [];
let current = '';
const busy = new WeakSet<object>();

/** Wraps the connection's statement methods to record each statement's wall time. */
function instrument(): void {
  const proto = DuckDBConnection.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const name of ['run', 'runAndReadAll', 'runAndRead', 'streamAndReadAll']) {
    const orig = proto[name];
    if (typeof orig !== 'function') continue;
    proto[name] = async function (this: object, ...args: unknown[]) {
      // these methods call one another: only the outermost call of a connection is timed
      if (busy.has(this)) return orig.apply(this, args);
      busy.add(this);
      const t = performance.now();
      const c = process.cpuUsage();
      try {
        return await orig.apply(this, args);
      } finally {
        busy.delete(this);
        const used = process.cpuUsage(c);
        timings.push({ task: current, sql: String(args[0]).replace(/\s+/g, ' ').trim(), ms: performance.now() - t, cpu: (used.user + used.system) / 1e6 });
      }
    };
  }
}

async function main(): Promise<void> {
  const rows = Number(arg('rows', '200000'));
  const top = Number(arg('top', '8'));
  const memory = arg('memory', '1GB');
  const config = loadConfig();
  const landing = await prepareLanding({ rows, log: (m) => console.error(m) });
  const dir = benchDir('profile-tasks');
  instrument();
  const engine = await Engine.create({ memoryLimit: memory, threads: 2, tempDirectory: path.join(dir, 'tmp'), extensionDirectory: config.duckdb.extensionDirectory });
  const warehouse = await Warehouse.open(path.join(dir, 'warehouse'), { engine });
  const days = landing.dates.slice(0, Math.max(1, Number(arg('days', '1'))));
  console.log(`# profile-tasks: ${landing.rows.toLocaleString('en')} landing rows, date(s) ${days.join(', ')}, in-process runTask, DuckDB memory ${memory}`);
  console.log(`# ${machineLine()}`);
  const ids = ['bronze.customers', 'silver.customers', 'bronze.fx_rates', 'silver.fx_rates', 'bronze.transactions', 'silver.transactions', 'gold.daily_transaction_summary'];
  const summary: (string | number)[][] = [];
  for (const date of days) {
    for (const taskId of ids) {
      current = `${date} ${taskId}`;
      const before = timings.length;
      const t = performance.now();
      const c = process.cpuUsage();
      const r = await runTask({ warehouse, engine, landing: landing.dir, heartbeat: () => undefined }, { taskId, date, runId: 'profile' });
      const ms = performance.now() - t;
      const used = process.cpuUsage(c);
      const sqlMs = timings.slice(before).reduce((n, x) => n + x.ms, 0);
      summary.push([date, taskId, r.rowsIn, secs(ms), (used.user + used.system) / 1e6, secs(sqlMs), secs(ms - sqlMs), timings.length - before]);
    }
  }
  printTable(['date', 'task', 'rows in', 'total s', 'CPU s', 'in DuckDB statements s', 'outside (JS, I/O, log) s', 'statements'], summary.map((r) => r.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v))));
  for (const taskId of arg('show', 'bronze.transactions,silver.transactions').split(',')) {
    const task = `${days.at(-1)} ${taskId}`;
    console.log(`\n## slowest statements of ${task}`);
    const mine = timings.filter((x) => x.task === task).sort((a, b) => b.cpu - a.cpu).slice(0, top);
    printTable(['CPU s', 'wall s', 'statement (first 150 chars)'], mine.map((x) => [x.cpu.toFixed(2), secs(x.ms), x.sql.slice(0, 150)]));
  }
  await engine.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
