/**
 * Quality overhead: the same silver step run twice over N generated bronze rows, once with the
 * full transactions suite and once with an empty suite; only the suite differs. The step, timed
 * end to end in each variant: cast the all-text batch and enrich it into a temp table (dropping
 * duplicate business keys as silver does), evaluate() the suite, write the passed rows and the
 * quarantine to Parquet, check passed + quarantined = rows. Prints each phase, the wall and the
 * CPU time (user + system of the process: steadier than wall time on a loaded machine) and their
 * ratios, of the best run and of the sum of each phase's best (goal <= 1.3x). Not a test.
 * `--no-dedup` leaves the duplicate-key step out of both.
 *
 *   npm run bench -- quality-overhead [--rows 1000000] [--memory 2GB] [--threads 2] [--rounds 2] [--no-dedup]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Engine } from '../lakehouse';
import { dataset } from '../pipeline';
import { evaluate, type QualitySuite } from '../quality';
import { arg, flag, machineLine } from './lib';

const ROWS = Number(arg('rows', '1000000'));
const ROUNDS = Number(arg('rounds', '2'));
const DEDUP = !flag('no-dedup');
const MEMORY = arg('memory', '2GB');
const THREADS = Number(arg('threads', String(Math.min(2, os.cpus().length))));
const CUSTOMERS = 50_000;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Wall and CPU milliseconds of each phase of one run of the step. */
type Phases = Record<'typed' | 'evaluate' | 'write' | 'total', { wall: number; cpu: number }>;

/** Bronze-like text rows with ~2% defects of the kinds the generator makes. */
async function generate(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE customers AS SELECT 'C' || lpad(CAST(i AS VARCHAR), 6, '0') AS customer_id,
      ['retail','private','corporate','institutional'][1 + i % 4] AS segment, ['low','medium','high'][1 + i % 3] AS risk_rating FROM range(${CUSTOMERS}) r(i)`);
  await conn.run(`CREATE OR REPLACE TABLE fx AS SELECT * FROM (VALUES ('USD',1.0),('EUR',1.1),('GBP',1.27),('CHF',1.12),('JPY',0.0068),('SGD',0.74),('HKD',0.128),('AUD',0.66)) v(currency, rate_to_usd)`);
  await conn.run(`CREATE OR REPLACE TABLE bronze AS
    SELECT CAST(i + 1 AS BIGINT) AS _row_id,
      CASE WHEN i % 97 = 0 THEN 'TX' || lpad(CAST(i - 1 AS VARCHAR), 9, '0') ELSE 'TX' || lpad(CAST(i AS VARCHAR), 9, '0') END AS transaction_id,
      'A' || CAST(i % 200000 AS VARCHAR) AS account_id,
      CASE WHEN i % 211 = 0 THEN NULL WHEN i % 223 = 0 THEN 'C999999' ELSE 'C' || lpad(CAST((i * 7919) % ${CUSTOMERS} AS VARCHAR), 6, '0') END AS customer_id,
      strftime(TIMESTAMP '2024-01-02 00:00:00' + to_milliseconds(CAST((i * 86400000::BIGINT) // ${ROWS} AS BIGINT)), '%Y-%m-%dT%H:%M:%S.%gZ') AS ts,
      CASE WHEN i % 199 = 0 THEN '-' || CAST(i % 1000 AS VARCHAR) WHEN i % 401 = 0 THEN 'abc' ELSE CAST(round(5 + (i * 37 % 100000) / 7.0, 2) AS VARCHAR) END AS amount,
      CASE WHEN i % 307 = 0 THEN 'XXX' ELSE ['USD','EUR','GBP','CHF','JPY','SGD','HKD','AUD'][1 + i % 8] END AS currency,
      ['debit','credit','transfer','fee'][1 + i % 4] AS type,
      ['US','EU','APAC'][1 + i % 3] AS region,
      'CP' || CAST(i % 5000 AS VARCHAR) AS counterparty,
      CASE WHEN i % 503 = 0 THEN 'unknown' ELSE ['posted','pending','reversed'][1 + i % 3] END AS status
    FROM range(${ROWS}) r(i)`);
  // bronze keeps each record as it arrived; silver carries it along for the quarantine
  await conn.run(`ALTER TABLE bronze ADD COLUMN _raw VARCHAR`);
  await conn.run(`UPDATE bronze SET _raw = to_json({'transaction_id': transaction_id, 'customer_id': customer_id, 'ts': ts, 'amount': amount, 'currency': currency})::VARCHAR`);
}

/** The silver step shared by both variants: types, enrichment, a temp table ready to write. */
const TYPED = `CREATE OR REPLACE TEMP TABLE typed AS
  SELECT b._row_id, b._raw, trim(b.transaction_id) AS transaction_id, b.account_id, upper(trim(b.customer_id)) AS customer_id,
    TRY_CAST(b.ts AS TIMESTAMPTZ) AS ts, TRY_CAST(b.amount AS DECIMAL(18,2)) AS amount, upper(trim(b.currency)) AS currency,
    lower(trim(b.type)) AS type, b.counterparty, lower(trim(b.status)) AS status,
    CAST(TRY_CAST(b.amount AS DECIMAL(18,2)) AS DOUBLE) * fx.rate_to_usd AS amount_usd,
    c.segment AS customer_segment, c.risk_rating AS customer_risk_rating,
    CAST(TRY_CAST(b.ts AS TIMESTAMPTZ) AS DATE) AS date, upper(trim(b.region)) AS region
  FROM bronze b LEFT JOIN customers c ON c.customer_id = upper(trim(b.customer_id)) LEFT JOIN fx ON fx.currency = upper(trim(b.currency))
  ${DEDUP ? 'QUALIFY transaction_id IS NULL OR row_number() OVER (PARTITION BY trim(b.transaction_id) ORDER BY b._row_id) = 1' : ''}`;
const COLUMNS = 'transaction_id, account_id, customer_id, ts, amount, currency, type, counterparty, status, amount_usd, customer_segment, customer_risk_rating, date, region';

/** The silver step with `suite`: the same statements whatever the suite holds. */
async function silverStep(conn: DuckDBConnection, suite: QualitySuite, out: string, prefix: string): Promise<{ phases: Phases; passed: number; dropped: number; warned: number }> {
  const phases = {} as Phases;
  const t0 = { wall: performance.now(), cpu: cpuMs() };
  let mark = { ...t0 };
  const phase = (name: keyof Phases): void => {
    const now = { wall: performance.now(), cpu: cpuMs() };
    phases[name] = { wall: now.wall - mark.wall, cpu: now.cpu - mark.cpu };
    mark = now;
  };
  await conn.run(TYPED);
  phase('typed');
  const r = await evaluate({ conn, suite, batchView: 'typed', referenceViews: { 'silver.customers': 'customers' }, now: new Date('2024-01-03T00:00:00Z'), viewPrefix: prefix });
  phase('evaluate');
  await conn.run(`COPY (SELECT ${COLUMNS} FROM ${r.passedView}) TO '${out}/passed.parquet' (FORMAT parquet)`);
  await conn.run(`COPY (SELECT _row_id, _raw, to_json(rules)::VARCHAR AS rules, to_json(messages)::VARCHAR AS messages FROM ${r.failuresView}) TO '${out}/quarantine.parquet' (FORMAT parquet)`);
  const typed = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM typed')).getRowObjectsJson()[0]!.n);
  if (r.passed + r.dropped !== typed) throw new Error(`rows lost: ${r.passed} + ${r.dropped} != ${typed}`);
  phase('write');
  phases.total = { wall: mark.wall - t0.wall, cpu: mark.cpu - t0.cpu };
  return { phases, passed: r.passed, dropped: r.dropped, warned: r.outcomes.filter((o) => o.outcome === 'warned').reduce((s, o) => s + o.failed, 0) };
}

async function main(): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'quality-bench-'));
  const engine = await Engine.create({ memoryLimit: MEMORY, threads: THREADS, tempDirectory: path.join(tmp, 'spill') });
  const conn = await engine.connect();
  const full = dataset('transactions').quality!;
  const none: QualitySuite = { dataset: full.dataset, expectations: [] };
  try {
    console.log(`# quality-overhead: ${ROWS.toLocaleString('en-US')} rows, DuckDB memory ${MEMORY}, ${THREADS} threads, ${ROUNDS} rounds (best of each), duplicate keys dropped before the suite: ${DEDUP}`);
    console.log(`# ${machineLine()}`);
    const t0 = performance.now();
    await generate(conn);
    console.log(`generated ${ROWS.toLocaleString('en-US')} bronze rows in ${((performance.now() - t0) / 1000).toFixed(1)}s (not timed)`);
    console.log(`timed, in both variants: typed = cast + enrich + dedup into a temp table; evaluate = quality evaluate() (the empty suite for "no rules", ${full.expectations.length} expectations for "full suite"); write = passed rows and quarantine to Parquet + the row-count check`);

    // Alternate the two variants and keep each one's best run, so cache warmth favours neither.
    const runs: Record<'none' | 'full', Phases[]> = { none: [], full: [] };
    let last = { passed: 0, dropped: 0, warned: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      runs.none.push((await silverStep(conn, none, tmp, `none${round}`)).phases);
      const r = await silverStep(conn, full, tmp, `full${round}`);
      runs.full.push(r.phases);
      last = r;
    }
    const best = (v: 'none' | 'full'): Phases => runs[v].reduce((a, b) => (b.total.wall < a.total.wall ? b : a));
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;
    const line = (label: string, v: 'none' | 'full'): void => {
      const p = best(v);
      console.log(
        `silver, ${label}: ${s(p.total.wall)} wall (typed ${s(p.typed.wall)}, evaluate ${s(p.evaluate.wall)}, write ${s(p.write.wall)}), ${s(p.total.cpu)} CPU (typed ${s(p.typed.cpu)}, evaluate ${s(p.evaluate.cpu)}, write ${s(p.write.cpu)}); ` +
          `runs: ${runs[v].map((x) => s(x.total.wall)).join(', ')}`,
      );
    };
    line('no rules  ', 'none');
    line('full suite', 'full');
    console.log(`  full suite: passed ${last.passed.toLocaleString('en-US')}, quarantined ${last.dropped.toLocaleString('en-US')}, warn failures ${last.warned.toLocaleString('en-US')}`);
    console.log(`# load after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    // The typed phase is the same statements in both variants, and on a shared machine its time
    // swings more than the suite costs: also compare the sums of each phase's best run.
    const phaseBest = (v: 'none' | 'full', k: 'wall' | 'cpu'): number =>
      (['typed', 'evaluate', 'write'] as const).reduce((sum, ph) => sum + Math.min(...runs[v].map((x) => x[ph][k])), 0);
    const r = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
    console.log(
      `overhead ratio (best run): ${r(best('full').total.wall, best('none').total.wall)} wall, ${r(best('full').total.cpu, best('none').total.cpu)} CPU; ` +
        `(sum of each phase's best): ${r(phaseBest('full', 'wall'), phaseBest('none', 'wall'))} wall, ${r(phaseBest('full', 'cpu'), phaseBest('none', 'cpu'))} CPU (goal <= 1.30x)`,
    );
  } finally {
    conn.closeSync();
    await engine.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
