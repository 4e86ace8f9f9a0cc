/**
 * THE headline benchmark: one medallion job (landing CSV/JSONL/Parquet -> bronze -> silver with
 * quarantine and dedup -> gold.daily_transaction_summary) over N transaction rows, run by
 *   a. FinanceLake: dailyPipeline on Temporal (several days: one backfill of the range), a worker in a
 *      child process, our Delta layer;
 *   b. DuckDB-only SQL, Parquet to Parquet (bench/peers/medallion-sql.ts), no Delta, no Temporal;
 *   c. polars + delta-rs into Delta tables (bench/peers/polars_deltars.py);
 *   d. Spark + delta-spark (bench/peers/spark_delta.py) if pyspark is installed (bench/setup.sh).
 * The data is made once (bench/landing.ts) and cached. Not a test: prints a table of ratios.
 *
 *   npm run bench -- medallion [--rows 1000000] [--per-day 1000000] [--memory 1GB] [--only ours,duckdb,polars,spark]
 *                              [--via backfill|daily]   (several days: one backfill, or a dailyPipeline per day in turn)
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/env';
import { ensureUp } from '../infra/stack';
import { tasks as allTasks } from '../pipeline';
import type { BackfillResult, PipelineResult } from '../workflows';
import { prepareLanding, type Landing } from './landing';
import { arg, benchDir, cpuSeconds, lastJson, machineLine, mb, nodeTs, PeakRss, printTable, python, ratio, ROOT, runChild, secs } from './lib';

const DATASETS = ['customers', 'fx_rates', 'transactions', 'daily_transaction_summary'];

interface EngineRun {
  engine: string;
  wallMs: number;
  /** CPU of the timed work, every thread (ours: the worker process; the Temporal server is not counted) */
  cpuMs?: number;
  peakRssBytes: number;
  rows: number;
  stages?: Record<string, number>;
  counts?: Record<string, number>;
  note?: string;
}

function waitFor(child: import('node:child_process').ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`worker not ready after ${timeoutMs / 1000}s:\n${buf.slice(-2000)}`)), timeoutMs);
    const on = (d: Buffer) => {
      buf += d.toString();
      if (pattern.test(buf)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${buf.slice(-2000)}`)));
  });
}

/** Longest chain of task durations through the DAG (what parallel branches cannot hide). */
function criticalPathMs(result: PipelineResult): number {
  const dur = new Map(result.tasks.map((t) => [t.taskId, t.durationMs]));
  const reads = new Map(allTasks().map((t) => [t.id, t.reads]));
  const memo = new Map<string, number>();
  const longest = (id: string): number => {
    if (memo.has(id)) return memo.get(id)!;
    const own = dur.get(id);
    if (own === undefined) return 0;
    const v = own + Math.max(0, ...(reads.get(id) ?? []).map(longest));
    memo.set(id, v);
    return v;
  };
  return Math.max(...result.tasks.map((t) => longest(t.taskId)));
}

/**
 * The range as one `backfill` (how a range is run): its days' results, read from the
 * dailyPipeline children its history names (two per day when the days are pipelined), merged per date.
 */
async function backfillRange(client: Client, taskQueue: string, dates: string[]): Promise<PipelineResult[]> {
  const workflowId = `bench-medallion/backfill/${Date.now()}`;
  const r = (await client.workflow.execute('backfill', {
    taskQueue,
    workflowId,
    args: [{ from: dates[0]!, to: dates.at(-1)!, datasets: DATASETS, maxParallel: 4, datesPerRun: dates.length }],
  })) as BackfillResult;
  if (r.failed.length) throw new Error(`backfill: ${r.failed.map((f) => `${f.date}: ${f.error}`).join('; ')}`);
  console.error(`[ours] backfill ${dates[0]}..${dates.at(-1)}: in date order for ${r.inDateOrderFor?.join(', ') || '-'}; a day ahead: ${r.aheadTasks?.join(', ') || '-'}`);
  const byDate = new Map<string, PipelineResult>();
  for (const e of (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child?.workflowId || !child.runId) continue;
    const day = (await client.workflow.getHandle(child.workflowId, child.runId).result()) as PipelineResult;
    const seen = byDate.get(day.date);
    byDate.set(day.date, seen ? { ...day, tasks: [...seen.tasks, ...day.tasks] } : day);
  }
  return dates.map((d) => byDate.get(d)!);
}

async function runOurs(landing: Landing, dir: string, memory: string, via: 'daily' | 'backfill'): Promise<EngineRun & { results: PipelineResult[]; perDay: { date: string; wallMs: number; activityMs: number; criticalMs: number }[] }> {
  const config = loadConfig();
  await ensureUp(['temporal'], { log: (m) => console.error(`[stack] ${m}`) });
  const taskQueue = `bench-medallion-${process.pid}`;
  const warehouse = path.join(dir, 'warehouse');
  const [cmd, args] = nodeTs(path.join(ROOT, 'workers', 'main.ts'));
  const { spawn } = await import('node:child_process');
  const worker = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_TASK_QUEUE: taskQueue,
      FINANCELAKE_WAREHOUSE: warehouse,
      FINANCELAKE_LANDING: landing.dir,
      FINANCELAKE_KAFKA: 'false',
      DUCKDB_MEMORY_LIMIT: memory,
      DUCKDB_TEMP_DIRECTORY: path.join(dir, 'duckdb_tmp'),
      // as the worker runs in production (Dockerfile, npm scripts)
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = fs.createWriteStream(path.join(dir, 'worker.log'));
  worker.stdout.pipe(log);
  worker.stderr.pipe(log);
  const rss = new PeakRss(worker.pid!);
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    await waitFor(worker, /task queue/, 180_000);
    const client = new Client({ connection, namespace: config.temporal.namespace });
    // A worker serves many runs: its workflow sandbox and DuckDB engine are made on first use
    // (~0.1 s), as the baseline's clock starts after its DuckDB instance exists. A replay of a range
    // with nothing failed (a no-op on this fresh warehouse) makes them before the clock starts.
    await client.workflow.execute('replayFailed', {
      taskQueue,
      workflowId: `bench-medallion/warm-up/${Date.now()}`,
      args: [{ from: landing.dates[0]!, to: landing.dates[0]! }],
    });
    const results: PipelineResult[] = [];
    const cpu0 = cpuSeconds(worker.pid!);
    const perDay: { date: string; wallMs: number; activityMs: number; criticalMs: number }[] = [];
    const t0 = performance.now();
    if (via === 'backfill') results.push(...(await backfillRange(client, taskQueue, landing.dates)));
    else for (const date of landing.dates) {
      const t = performance.now();
      const result = (await client.workflow.execute('dailyPipeline', {
        taskQueue,
        workflowId: `bench-medallion/${date}/${Date.now()}`,
        args: [{ date, datasets: DATASETS, maxParallel: 4 }],
      })) as PipelineResult;
      const wallMs = performance.now() - t;
      if (result.status !== 'succeeded') {
        throw new Error(`dailyPipeline ${date} ${result.status}: ${result.tasks.filter((x) => x.error).map((x) => `${x.taskId}: ${x.error}`).join('; ')}`);
      }
      results.push(result);
      const activityMs = result.tasks.reduce((n, x) => n + x.durationMs, 0);
      perDay.push({ date, wallMs, activityMs, criticalMs: criticalPathMs(result) });
      console.error(`[ours] ${date}: ${secs(wallMs)} s (${result.tasks.map((x) => `${x.taskId} ${secs(x.durationMs)}s`).join(', ')})`);
    }
    const wallMs = performance.now() - t0;
    const cpuMs = (cpuSeconds(worker.pid!) - cpu0) * 1000;
    const sum = (id: string, k: 'rowsIn' | 'rowsOut' | 'quarantined' | 'duplicates' | 'durationMs') =>
      results.reduce((n, r) => n + (r.tasks.find((x) => x.taskId === id)?.[k] ?? 0), 0);
    return {
      engine: 'FinanceLake (Temporal + Delta)',
      wallMs,
      cpuMs,
      peakRssBytes: rss.stop(),
      rows: landing.rows,
      stages: {
        bronze: sum('bronze.transactions', 'durationMs'),
        silver: sum('silver.transactions', 'durationMs'),
        gold: sum('gold.daily_transaction_summary', 'durationMs'),
        'customers+fx (bronze+silver)':
          sum('bronze.customers', 'durationMs') + sum('silver.customers', 'durationMs') + sum('bronze.fx_rates', 'durationMs') + sum('silver.fx_rates', 'durationMs'),
      },
      counts: {
        bronze: sum('bronze.transactions', 'rowsOut'),
        silver: sum('silver.transactions', 'rowsOut'),
        quarantined: sum('silver.transactions', 'quarantined'),
        duplicates: sum('silver.transactions', 'duplicates'),
        gold: sum('gold.daily_transaction_summary', 'rowsOut'),
      },
      results,
      perDay,
    };
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await connection.close();
  }
}

async function runDuckdbOnly(landing: Landing, dir: string, memory: string): Promise<EngineRun> {
  const [cmd, args] = nodeTs(path.join(__dirname, 'peers', 'duckdb-only.ts'), [landing.dir, path.join(dir, 'duckdb-only'), memory, '2']);
  const run = await runChild(cmd, args);
  const r = lastJson<{ wallMs: number; cpuMs: number; stages: Record<string, number>; counts: Record<string, number> }>(run, 'duckdb-only');
  return { engine: 'DuckDB-only SQL (Parquet)', wallMs: r.wallMs, cpuMs: r.cpuMs, peakRssBytes: run.peakRssBytes, rows: landing.rows, stages: r.stages, counts: r.counts };
}

async function runPython(engine: string, script: string, landing: Landing, dir: string, memory: string, need: 'polars' | 'pyspark'): Promise<EngineRun> {
  const py = python(need);
  if (!py) return { engine, wallMs: 0, peakRssBytes: 0, rows: landing.rows, note: 'not run: bench/setup.sh has not made .infra/bench-venv' };
  const run = await runChild(py, [path.join(__dirname, 'peers', script), landing.dir, path.join(dir, script.replace(/\.py$/, '')), memory]);
  if (run.code !== 0) {
    const why = run.stderr.trim().split('\n').filter((l) => /Error|error|No module/.test(l)).slice(-1)[0] ?? run.stderr.slice(-300);
    return { engine, wallMs: 0, peakRssBytes: run.peakRssBytes, rows: landing.rows, note: `failed: ${why}` };
  }
  const r = lastJson<{ wallMs: number; cpuMs?: number; stages: Record<string, number>; counts: Record<string, number> }>(run, script);
  return { engine, wallMs: r.wallMs, cpuMs: r.cpuMs, peakRssBytes: run.peakRssBytes, rows: landing.rows, stages: r.stages, counts: r.counts };
}

async function main(): Promise<void> {
  const rows = Number(arg('rows', '1000000'));
  const perDay = Number(arg('per-day', '1000000'));
  const memory = arg('memory', '1GB');
  const only = new Set(arg('only', 'ours,duckdb,polars,spark').split(','));
  // several days: one backfill of the range (as a user runs it), or `--via daily`: a dailyPipeline per day in turn
  const via = rows > perDay && arg('via', 'backfill') === 'backfill' ? 'backfill' : 'daily';
  console.log(`# medallion benchmark: ${rows.toLocaleString('en')} transaction rows, DuckDB memory limit ${memory}`);
  console.log(`# ${machineLine()}`);
  const landing = await prepareLanding({ rows, perDay, log: (m) => console.error(`[landing] ${m}`) });
  console.log(`# landing: ${landing.dates.length} day(s) ${landing.dates[0]}..${landing.dates.at(-1)}, ${landing.method}, made in ${secs(landing.generateMs)} s (cached in ${path.relative(ROOT, landing.dir)})`);
  const dir = benchDir('medallion');
  const repeat = Number(arg('repeat', '1'));
  type OursRun = Awaited<ReturnType<typeof runOurs>>;
  const rounds: { ours?: OursRun; peers: EngineRun[] }[] = [];
  for (let i = 0; i < repeat; i++) {
    // each engine runs alone on the machine, in a fresh folder; the order alternates by round, so a
    // load that drifts during a round does not always fall on the same engine
    const roundDir = path.join(dir, `round-${i}`);
    fs.mkdirSync(roundDir, { recursive: true });
    const round: (typeof rounds)[number] = { peers: [] };
    const steps: (() => Promise<void>)[] = [];
    if (only.has('duckdb')) steps.push(async () => void round.peers.push(await runDuckdbOnly(landing, roundDir, memory)));
    if (only.has('polars')) steps.push(async () => void round.peers.push(await runPython('polars + delta-rs', 'polars_deltars.py', landing, roundDir, memory, 'polars')));
    if (only.has('spark')) steps.push(async () => void round.peers.push(await runPython('Spark + delta-spark', 'spark_delta.py', landing, roundDir, memory, 'pyspark')));
    if (only.has('ours')) steps.push(async () => void (round.ours = await runOurs(landing, roundDir, memory, via)));
    for (const step of i % 2 === 0 ? steps : [...steps].reverse()) await step();
    rounds.push(round);
    if (repeat > 1) fs.rmSync(roundDir, { recursive: true, force: true });
  }
  // per engine, the run of median wall time (its stages and counts), with the median CPU of all rounds
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pick = <T extends EngineRun>(all: T[]): T => {
    const m = median(all.map((r) => r.wallMs));
    const chosen = all.find((r) => r.wallMs === m)!;
    const cpus = all.map((r) => r.cpuMs).filter((c): c is number => c !== undefined);
    return { ...chosen, cpuMs: cpus.length ? median(cpus) : undefined, peakRssBytes: Math.max(...all.map((r) => r.peakRssBytes)) };
  };
  const ours = rounds[0]?.ours ? pick(rounds.map((r) => r.ours!)) : undefined;
  const runs: EngineRun[] = [...(ours ? [ours] : [])];
  for (const engine of (rounds[0]?.peers ?? []).map((r) => r.engine)) runs.push(pick(rounds.map((r) => r.peers.find((p) => p.engine === engine)!)));
  if (repeat > 1) console.log(`# ${repeat} rounds, engine order alternating; each engine's median wall and median CPU (peak RSS: the highest)`);
  const duck = runs.find((r) => r.engine.startsWith('DuckDB'));
  const pol = runs.find((r) => r.engine.startsWith('polars'));
  console.log();
  printTable(
    ['engine', 'wall s', 'rows/s', 'peak RSS', 'vs DuckDB-only', 'polars+delta-rs / this', 'CPU s', 'CPU vs DuckDB-only', 'polars CPU / this', 'bronze s', 'silver s', 'gold s', 'silver rows', 'quarantined', 'duplicates', 'gold rows'],
    runs.map((r) => [
      r.engine + (r.note ? ` (${r.note})` : ''),
      r.wallMs ? secs(r.wallMs) : '-',
      r.wallMs ? Math.round(r.rows / (r.wallMs / 1000)).toLocaleString('en') : '-',
      r.peakRssBytes ? mb(r.peakRssBytes) : '-',
      ratio(r.wallMs, duck?.wallMs),
      ratio(pol?.wallMs, r.wallMs),
      r.cpuMs ? secs(r.cpuMs) : '-',
      ratio(r.cpuMs, duck?.cpuMs),
      ratio(pol?.cpuMs, r.cpuMs),
      r.stages?.bronze !== undefined ? secs(r.stages.bronze) : '-',
      r.stages?.silver !== undefined ? secs(r.stages.silver) : '-',
      r.stages?.gold !== undefined ? secs(r.stages.gold) : '-',
      r.counts?.silver ?? '-',
      r.counts?.quarantined ?? '-',
      r.counts?.duplicates ?? '-',
      r.counts?.gold ?? '-',
    ]),
  );
  console.log(
    'CPU s: user + system CPU of the timed work, every thread (FinanceLake: the worker process, not the Temporal server; the peers: their own process). ' +
      'On a shared machine wall-time ratios move with the load; CPU ratios much less.',
  );
  if (ours) {
    console.log();
    console.log('## FinanceLake per stage (from the workflow results, summed over the days)');
    const ids = ['bronze.customers', 'silver.customers', 'bronze.fx_rates', 'silver.fx_rates', 'bronze.transactions', 'silver.transactions', 'gold.daily_transaction_summary'];
    printTable(
      ['task', 'rows in', 'rows out', 'seconds', 'rows/s (in)'],
      ids.map((id) => {
        const ts = ours!.results.map((r) => r.tasks.find((x) => x.taskId === id)).filter((x) => x !== undefined);
        const inRows = ts.reduce((n, x) => n + x.rowsIn, 0);
        const ms = ts.reduce((n, x) => n + x.durationMs, 0);
        return [id, inRows, ts.reduce((n, x) => n + x.rowsOut, 0), secs(ms), ms ? Math.round(inRows / (ms / 1000)).toLocaleString('en') : '-'];
      }),
    );
    console.log();
    console.log(`## Temporal overhead per day: workflow wall time against its activities${ours.perDay.length ? '' : ' (none: the range ran as one backfill, its days overlapping)'}`);
    printTable(
      ['date', 'workflow wall s', 'sum of activities s', 'critical path s', 'overhead vs critical path'],
      ours.perDay.map((d) => [d.date, secs(d.wallMs), secs(d.activityMs), secs(d.criticalMs), `${secs(d.wallMs - d.criticalMs)} s (${(((d.wallMs - d.criticalMs) / d.wallMs) * 100).toFixed(1)}%)`]),
    );
    console.log(`worker peak RSS (VmHWM of the worker process): ${mb(ours.peakRssBytes)} with DUCKDB_MEMORY_LIMIT=${memory} (goal < 2 GB)`);
  }
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify({ rows, memory, machine: machineLine(), landing, runs }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
