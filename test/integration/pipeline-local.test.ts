/**
 * bronze -> silver -> gold on a local-disk warehouse with the real lakehouse, for two generated
 * days with defects. Every figure checked here is computed independently in TypeScript from the
 * generator's records (what each record is, and what silver should make of it), not with SQL.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset, generate, generateData, runTask, type GeneratedData, type TaskResult, type Tick, type Transaction } from '../../pipeline';
import { runSilver } from '../../pipeline/run/silver';
import { cleanupDirs } from '../helpers/lakehouse';
import { DAILY_ORDER, pipelineEnv, type PipelineEnv } from '../helpers/pipeline';

const OPTS = { days: 2, startDate: '2024-03-01', transactionsPerDay: 2000, ticksPerDay: 300, defectRate: 0.05, seed: 20240301 };
const [D1, D2] = ['2024-03-01', '2024-03-02'];

let env: PipelineEnv;
let data: GeneratedData;
const results = new Map<string, TaskResult>();

async function rows<T = Record<string, unknown>>(table: string, sql = 'SELECT * FROM {{table}}'): Promise<T[]> {
  const t = await env.warehouse.table(table);
  if (!t) throw new Error(`no table ${table}`);
  return t.query<T>(sql);
}

function expectClose(actual: unknown, expected: number, what: string, rel = 1e-9): void {
  const a = Number(actual);
  expect(Math.abs(a - expected), `${what}: ${a} vs ${expected}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

/** quantile_cont: linear interpolation between the two nearest ranks. */
function quantile(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** What silver.transactions should hold for a date: clean records of that business date, wherever delivered. */
function expectedTransactions(date: string): Transaction[] {
  return data.days.flatMap((d) => d.delivered).filter((r) => r.expected === 'silver' && r.date === date).map((r) => r.value!);
}

function expectedCounts(date: string): Record<'silver' | 'quarantine' | 'duplicate', number> {
  const out = { silver: 0, quarantine: 0, duplicate: 0 };
  for (const r of data.days.flatMap((d) => d.delivered)) if (r.date === date) out[r.expected]++;
  return out;
}

function expectedTicks(date: string): Tick[] {
  return data.days.find((d) => d.date === date)!.ticks.filter((t) => t.expected === 'silver').map((t) => t.tick!);
}

function fxOf(date: string): Record<string, number> {
  return Object.fromEntries(data.days.find((d) => d.date === date)!.fx.map((f) => [f.currency, f.rate_to_usd]));
}

/** A value as text or typed, compared by what it means: numbers by value, instants by time (DuckDB's text and JS's ISO differ in form). */
function sameValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const text = String(v);
  if (text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text);
  const t = Date.parse(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return Number.isNaN(t) ? text : t;
}

async function runAll(runId: string): Promise<void> {
  for (const date of [D1, D2]) {
    for (const taskId of DAILY_ORDER) results.set(`${runId}:${date}:${taskId}`, await env.run(taskId, date, runId));
  }
}

async function contents(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await env.warehouse.listTables()) {
    if (name === 'silver.quality_metrics') continue; // a log of every run, by design
    const all = await rows(name);
    const stable = all.map((r) => {
      const { run_id: _r, quarantined_at: _q, _ingested_at: _i, _batch_id: _b, ...rest } = r as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    out[name] = stable.sort().join('\n');
  }
  return out;
}

beforeAll(async () => {
  env = await pipelineEnv();
  data = generateData(OPTS);
  await generate({ ...OPTS, landing: env.landing });
  await runAll('run-1');
}, 240_000);

afterAll(async () => {
  await env?.engine.close();
  await cleanupDirs();
});

describe('pipeline on a local warehouse', () => {
  it('holds the invariant for every silver partition, with the counts the generator implies', () => {
    for (const date of [D1, D2]) {
      for (const ds of ['transactions', 'market_ticks', 'customers', 'fx_rates']) {
        const r = results.get(`run-1:${date}:silver.${ds}`)!;
        expect(r.invariantOk, `${ds} ${date}`).toBe(true);
        expect(r.rowsIn, `${ds} ${date}`).toBe(r.rowsOut + r.quarantined + r.duplicates);
      }
      const tx = results.get(`run-1:${date}:silver.transactions`)!;
      const want = expectedCounts(date);
      expect({ passed: tx.rowsOut, quarantined: tx.quarantined, duplicates: tx.duplicates }).toEqual({ passed: want.silver, quarantined: want.quarantine, duplicates: want.duplicate });
      const ticks = data.days.find((d) => d.date === date)!.ticks;
      const tk = results.get(`run-1:${date}:silver.market_ticks`)!;
      expect(tk.rowsIn).toBe(ticks.length);
      expect(tk.rowsOut).toBe(ticks.filter((t) => t.expected === 'silver').length);
      expect(tk.duplicates).toBe(ticks.filter((t) => t.expected === 'duplicate').length);
    }
  });

  it('accounts for every bronze row: silver + quarantine + duplicates over the dates', async () => {
    const bronze = Number((await rows<{ n: number }>('bronze.transactions', 'SELECT count(*) AS n FROM {{table}}'))[0].n);
    const silverIn = [D1, D2].reduce((s, d) => s + results.get(`run-1:${d}:silver.transactions`)!.rowsIn, 0);
    expect(bronze).toBe(data.days.reduce((s, d) => s + d.delivered.length, 0));
    expect(silverIn).toBe(bronze);
    // bronze tells which partitions its commits fed (late rows of D1 came in D2's files)
    const fed: Record<string, number> = {};
    for (const r of data.days.flatMap((d) => d.delivered)) fed[r.date] = (fed[r.date] ?? 0) + 1;
    expect(results.get(`run-1:${D1}:bronze.transactions`)!.details!.rowsByDate).toEqual(fed);
    // bronze is append-only: the record of what arrived cannot be rewritten
    await expect((await env.warehouse.table('bronze.transactions'))!.delete(`_ingest_date IS NOT NULL`)).rejects.toThrow(/append-only/);
    const q = await rows<{ n: number }>('silver.quarantine', "SELECT count(*) AS n FROM {{table}} WHERE dataset = 'transactions'");
    expect(Number(q[0].n)).toBe([D1, D2].reduce((s, d) => s + results.get(`run-1:${d}:silver.transactions`)!.quarantined, 0));
  });

  it('puts late rows in their business date and drops ids already delivered the day before', async () => {
    const late = data.days[1].delivered.filter((r) => r.defect === 'late_arrival').map((r) => r.value!.transaction_id);
    expect(late.length).toBeGreaterThan(0);
    const found = await rows<{ transaction_id: string; date: string }>('silver.transactions', `SELECT transaction_id, date FROM {{table}} WHERE transaction_id IN (${late.map((id) => `'${id}'`).join(',')})`);
    expect(found.map((r) => r.date)).toEqual(late.map(() => D1));
    const silverIds = (await rows<{ transaction_id: string }>('silver.transactions', 'SELECT transaction_id FROM {{table}}')).map((r) => r.transaction_id);
    expect(new Set(silverIds).size).toBe(silverIds.length);
  });

  it('standardises and enriches: upper-case codes, UTC timestamps, customer attributes, amount_usd', async () => {
    const want = new Map(expectedTransactions(D2).map((t) => [t.transaction_id, t]));
    const customers = new Map(data.customers.map((c) => [c.customer_id, c]));
    const fx = fxOf(D2);
    const got = await rows<Record<string, unknown>>('silver.transactions', `SELECT * FROM {{table}} WHERE date = '${D2}'`);
    expect(got).toHaveLength(want.size);
    for (const r of got) {
      const t = want.get(String(r.transaction_id))!;
      expect(r.customer_id).toBe(t.customer_id);
      expect(r.currency).toBe(t.currency);
      expect(r.type).toBe(t.type);
      expect(Date.parse(String(r.ts))).toBe(Date.parse(t.ts));
      expect(Number(r.amount)).toBe(t.amount);
      expect(r.customer_segment).toBe(customers.get(t.customer_id)!.segment);
      expectClose(r.amount_usd, t.amount * fx[t.currency], 'amount_usd');
    }
  });

  it('quarantines malformed lines and wrong types with a reason naming the line or field', async () => {
    for (const date of [D1, D2]) {
      const q = await rows<{ rules: string; messages: string; _raw: string; source: string }>(
        'silver.quarantine',
        `SELECT rules, messages, _raw, source FROM {{table}} WHERE dataset = 'transactions' AND date = '${date}'`,
      );
      const delivered = data.days.flatMap((d) => d.delivered).filter((r) => r.date === date);
      const malformed = delivered.filter((r) => r.defect === 'malformed_line');
      const parse = q.filter((r) => JSON.parse(r.rules).includes('parse'));
      expect(parse.map((r) => r._raw).sort()).toEqual(malformed.map((r) => r.line!).sort());
      for (const r of parse) expect(JSON.parse(r.messages).join(' ')).toMatch(/transactions\/\d{4}-\d{2}-\d{2}\/part-\d\.(csv|jsonl) line \d+: /);
      const badAmount = delivered.filter((r) => r.defect === 'wrong_type' && typeof r.fields?.amount === 'string' && Number.isNaN(Number(r.fields.amount)));
      const castAmount = q.filter((r) => JSON.parse(r.rules).includes('cast_amount'));
      expect(castAmount).toHaveLength(badAmount.length);
      for (const r of castAmount) expect(JSON.parse(r.messages)).toContainEqual(expect.stringMatching(/^amount: '.*' is not a valid decimal\(18,2\)$/));
      const unknownCurrency = delivered.filter((r) => r.defect === 'unknown_currency').length;
      expect(q.filter((r) => JSON.parse(r.rules).includes('currency_known'))).toHaveLength(unknownCurrency);
      for (const r of q) expect(JSON.parse(r.messages).length, r._raw).toBeGreaterThan(0);
    }
  });

  it('gives every quarantined record its text as delivered, stored in bronze or not', async () => {
    const q = await rows<{ _raw: string | null; source: string }>('silver.quarantine', `SELECT _raw, source FROM {{table}} WHERE dataset = 'transactions'`);
    const bronze = await rows<{ stored: number; n: number }>('bronze.transactions', 'SELECT count(_raw) AS stored, count(*) AS n FROM {{table}}');
    expect(Number(bronze[0]!.stored)).toBeLessThan(Number(bronze[0]!.n)); // plain CSV lines and Parquet rows are not stored twice
    const lines = new Map<string, string[]>();
    const parquet = new Map<string, Record<string, unknown>[]>();
    const engine = env.engine;
    let csv = 0;
    let pq = 0;
    for (const r of q) {
      const [key, line] = [r.source.slice(0, r.source.lastIndexOf(':')), Number(r.source.slice(r.source.lastIndexOf(':') + 1))];
      const file = path.join(env.landing, key);
      if (key.endsWith('.csv')) {
        if (!lines.has(key)) lines.set(key, (await fs.readFile(file, 'utf8')).split('\n'));
        expect(r._raw, r.source).toBe(lines.get(key)![line - 1]!.replace(/\r$/, ''));
        csv++;
      } else if (key.endsWith('.parquet')) {
        if (!parquet.has(key)) parquet.set(key, await engine.all(`SELECT * FROM read_parquet('${file}')`));
        const want = parquet.get(key)![line - 1]!;
        const got = JSON.parse(r._raw!) as Record<string, unknown>;
        expect(Object.keys(got), r.source).toEqual(Object.keys(want));
        for (const [k, v] of Object.entries(want)) expect(sameValue(got[k]), `${r.source} ${k}`).toEqual(sameValue(v));
        pq++;
      } else expect(r._raw, r.source).toBeTruthy();
    }
    expect(csv).toBeGreaterThan(0);
    expect(pq).toBeGreaterThan(0);
  });

  it('computes daily_ohlcv equal to an independent computation from the generated ticks', async () => {
    for (const date of [D1, D2]) {
      const bySymbol = new Map<string, Tick[]>();
      for (const t of expectedTicks(date)) bySymbol.set(t.symbol, [...(bySymbol.get(t.symbol) ?? []), t]);
      const got = await rows<Record<string, number | string>>('gold.daily_ohlcv', `SELECT * FROM {{table}} WHERE date = '${date}'`);
      expect(got.map((r) => r.symbol).sort()).toEqual([...bySymbol.keys()].sort());
      for (const r of got) {
        const ticks = [...bySymbol.get(String(r.symbol))!].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
        const volume = ticks.reduce((s, t) => s + t.volume!, 0);
        expectClose(r.open, ticks[0].price!, `${r.symbol} open`);
        expectClose(r.close, ticks[ticks.length - 1].price!, `${r.symbol} close`);
        expectClose(r.high, Math.max(...ticks.map((t) => t.price!)), `${r.symbol} high`);
        expectClose(r.low, Math.min(...ticks.map((t) => t.price!)), `${r.symbol} low`);
        expect(Number(r.volume)).toBe(volume);
        expect(Number(r.trade_count)).toBe(ticks.length);
        expectClose(r.vwap, ticks.reduce((s, t) => s + t.price! * t.volume!, 0) / volume, `${r.symbol} vwap`);
        expect(r.region).toBe(ticks[0].region);
      }
    }
  });

  it('computes daily_transaction_summary equal to an independent computation', async () => {
    for (const date of [D1, D2]) {
      const fx = fxOf(date);
      const groups = new Map<string, Transaction[]>();
      for (const t of expectedTransactions(date)) {
        const k = `${t.region}|${t.type}|${t.currency}`;
        groups.set(k, [...(groups.get(k) ?? []), t]);
      }
      const got = await rows<Record<string, number | string>>('gold.daily_transaction_summary', `SELECT * FROM {{table}} WHERE date = '${date}'`);
      expect(got.map((r) => `${r.region}|${r.type}|${r.currency}`).sort()).toEqual([...groups.keys()].sort());
      for (const r of got) {
        const ts = groups.get(`${r.region}|${r.type}|${r.currency}`)!;
        const amounts = ts.map((t) => t.amount).sort((a, b) => a - b);
        const cents = ts.reduce((s, t) => s + Math.round(t.amount * 100), 0);
        expect(Number(r.txn_count)).toBe(ts.length);
        expect(Math.round(Number(r.amount_sum) * 100)).toBe(cents);
        expectClose(r.amount_mean, cents / 100 / ts.length, 'mean');
        expectClose(r.amount_p50, quantile(amounts, 0.5), 'p50');
        expectClose(r.amount_p95, quantile(amounts, 0.95), 'p95');
        expectClose(r.amount_usd_sum, ts.reduce((s, t) => s + t.amount * fx[t.currency], 0), 'usd sum');
      }
    }
  });

  it('computes indicators, risk and customer activity from the same inputs', async () => {
    const closes = (date: string) => {
      const m = new Map<string, number>();
      for (const t of [...expectedTicks(date)].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts))) m.set(t.symbol, t.price!);
      return m;
    };
    const [c1, c2] = [closes(D1), closes(D2)];
    const ind = await rows<Record<string, number | null | string>>('gold.technical_indicators', `SELECT * FROM {{table}} WHERE date = '${D2}'`);
    expect(ind).toHaveLength(c2.size);
    for (const r of ind) {
      const [a, b] = [c1.get(String(r.symbol))!, c2.get(String(r.symbol))!];
      const ema12 = (2 / 13) * b + (11 / 13) * a;
      const ema26 = (2 / 27) * b + (25 / 27) * a;
      expectClose(r.ema_12, ema12, 'ema12');
      expectClose(r.macd, ema12 - ema26, 'macd');
      expectClose(r.macd_signal, 0.2 * (ema12 - ema26), 'signal');
      expect(r.sma_20).toBeNull();
      expect(r.rsi_14).toBeNull();
    }
    const risk = await rows<Record<string, number | null | string>>('gold.risk_metrics', `SELECT * FROM {{table}} WHERE date = '${D2}'`);
    for (const r of risk.filter((x) => x.entity_type === 'symbol')) {
      const ret = c2.get(String(r.entity))! / c1.get(String(r.entity))! - 1;
      expectClose(r.var_95, -ret, 'var95');
      expectClose(r.max_drawdown, Math.min(0, ret), 'drawdown');
    }
    const fx = fxOf(D2);
    const byRegion = new Map<string, number>();
    for (const t of expectedTransactions(D2)) byRegion.set(t.region, (byRegion.get(t.region) ?? 0) + t.amount * fx[t.currency]);
    for (const r of risk.filter((x) => x.entity_type === 'region')) expectClose(r.gross_exposure_usd, byRegion.get(String(r.entity))!, 'gross');
    const activity = await rows<Record<string, number | string>>('gold.customer_daily_activity', `SELECT * FROM {{table}} WHERE date = '${D2}'`);
    const net = new Map<string, number>();
    for (const t of expectedTransactions(D2)) net.set(t.customer_id, (net.get(t.customer_id) ?? 0) + (t.type === 'credit' ? 1 : -1) * t.amount * fx[t.currency]);
    expect(activity).toHaveLength(net.size);
    for (const r of activity) expectClose(r.net_usd, net.get(String(r.customer_id))!, 'net', 1e-8);
  });

  it('re-running every task commits nothing new to bronze and leaves every table unchanged', async () => {
    const before = await contents();
    const versions = new Map<string, number>();
    for (const name of await env.warehouse.listTables()) versions.set(name, await (await env.warehouse.table(name))!.version());
    await runAll('run-2');
    for (const date of [D1, D2]) {
      for (const t of DAILY_ORDER.filter((x) => x.startsWith('bronze.'))) {
        const r = results.get(`run-2:${date}:${t}`)!;
        expect(r.committed, t).toBe(false);
        expect(r.tableVersion).toBe(versions.get(t));
      }
    }
    expect(await contents()).toEqual(before);
  }, 240_000);

  it('writes the HTML quality report of a silver run when asked', async () => {
    const reportDir = path.join(env.root, 'reports');
    const r = await runTask({ ...env.ctx, reportDir }, { taskId: 'silver.transactions', date: D1, runId: 'report-run' });
    expect(r.qualityReport).toBeDefined();
    const html = await fs.readFile(r.qualityReport!, 'utf8');
    expect(html).toContain('transactions');
    expect(html).toContain('currency_known');
  });

  it('keeps an unreadable Parquet file as one raw row that silver quarantines naming the file', async () => {
    const good = await fs.readFile(path.join(env.landing, 'transactions', D1, 'part-2.parquet'));
    const key = 'transactions/2024-03-05/broken.parquet';
    await fs.mkdir(path.join(env.landing, 'transactions', '2024-03-05'), { recursive: true });
    await fs.writeFile(path.join(env.landing, key), good.subarray(0, Math.floor(good.length / 2)));
    const b = await env.run('bronze.transactions', '2024-03-05');
    expect(b.rowsOut).toBe(1);
    const s = await env.run('silver.transactions', '2024-03-05');
    expect({ rowsIn: s.rowsIn, passed: s.rowsOut, quarantined: s.quarantined }).toEqual({ rowsIn: 1, passed: 0, quarantined: 1 });
    const q = await rows<{ messages: string; source: string }>('silver.quarantine', "SELECT messages, source FROM {{table}} WHERE date = '2024-03-05'");
    expect(q).toHaveLength(1);
    expect(JSON.parse(q[0].messages)[0]).toMatch(/broken\.parquet: cannot read Parquet/);
  });

  it('refuses a silver SQL that drops one input row and doubles another, naming the counts', async () => {
    const base = dataset('transactions');
    // as many rows as inputs, but not one per input: only the id check can tell
    const silver = `WITH t AS (${base.transformSql!.silver})
      SELECT * FROM t WHERE _row_id <> (SELECT min(_row_id) FROM t)
      UNION ALL SELECT * FROM t WHERE _row_id = (SELECT max(_row_id) FROM t)`;
    const conn = await env.engine.connect();
    await conn.run("SET TimeZone = 'UTC'");
    const version = await (await env.warehouse.table('silver.transactions'))!.version();
    await expect(runSilver(env.ctx, { taskId: 'silver.transactions', date: D1, runId: 'bad-sql' }, { ...base, transformSql: { silver } }, conn)).rejects.toThrow(
      /one row per input row \(got (\d+) rows, (?!\1)\d+ distinct/,
    );
    expect(await (await env.warehouse.table('silver.transactions'))!.version()).toBe(version);
    conn.closeSync();
  });

  it('keeps a Parquet file whose footer reads but whose data pages do not as one raw row, committing nothing else', async () => {
    const good = await fs.readFile(path.join(env.landing, 'transactions', D1, 'part-2.parquet'));
    // damage the data pages, keep the footer: the schema reads, the rows do not
    const bad = Buffer.from(good);
    for (let i = 64; i < bad.length / 2; i += 5) bad[i] ^= 0x5a;
    const key = 'transactions/2024-03-06/damaged.parquet';
    await fs.mkdir(path.join(env.landing, 'transactions', '2024-03-06'), { recursive: true });
    await fs.writeFile(path.join(env.landing, key), bad);
    const before = await (await env.warehouse.table('bronze.transactions'))!.version();
    const b = await env.run('bronze.transactions', '2024-03-06');
    expect(b.rowsOut).toBe(1);
    const table = (await env.warehouse.table('bronze.transactions'))!;
    expect(await table.version()).toBe(before + 1);
    const raw = await rows<{ _parse_error: string }>('bronze.transactions', `SELECT _parse_error FROM {{table}} WHERE _source = '${key}:0'`);
    expect(raw).toHaveLength(1);
    expect(raw[0]._parse_error).toMatch(/damaged\.parquet: cannot read Parquet/);
  });
});
