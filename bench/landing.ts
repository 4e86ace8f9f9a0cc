/**
 * The landing zone the medallion benchmark reads, built once per (rows, days) and cached under
 * .data/bench-landing/. Days are at most `perDay` rows each.
 *   - up to 2 days: our generator (`pipeline.generate`), defects and all;
 *   - more days: the generator writes days 1 and 2, and each further day is day 2 replayed with
 *     every date shifted (ids `T<yyyymmdd>-…`, timestamps, late rows of the day before, FX and
 *     customer snapshots): the same shape and defect mix, without the generator's cost
 *     (it makes ~5k rows/s on a loaded 2-core machine, so 10M rows would take over half an hour).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generate } from '../pipeline';
import { ROOT } from './lib';

export interface Landing {
  dir: string;
  dates: string[];
  rows: number;
  /** 'generator' or 'generator+replay' */
  method: string;
  generateMs: number;
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

const compact = (d: string) => d.replace(/-/g, '');

/** Shifts every date of [d0-1, d1+1] (ISO and compact forms) by `shift` days in a text file. */
function shiftText(text: string, from: string[], shift: number): string {
  const map = new Map<string, string>();
  for (const d of from) {
    map.set(d, addDays(d, shift));
    map.set(compact(d), compact(addDays(d, shift)));
  }
  const re = new RegExp([...map.keys()].sort((a, b) => b.length - a.length).join('|'), 'g');
  return text.replace(re, (m) => map.get(m)!);
}

/** Transaction records actually delivered (late rows move a day; replayed days carry the day before's). */
export async function countRecords(dir: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  const tx = path.join(dir, 'transactions');
  const lines = (glob: string, header: boolean) => `(SELECT count(*) FROM read_csv('${tx}/*/${glob}', columns = {'l': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', header = ${header}))`;
  const r = await conn.runAndReadAll(`SELECT ${lines('*.csv', true)} + ${lines('*.jsonl', false)} + (SELECT count(*) FROM read_parquet('${tx}/*/*.parquet'))`);
  conn.closeSync();
  db.closeSync();
  return Number(r.getRows()[0]![0]);
}

export async function prepareLanding(opts: { rows: number; perDay?: number; seed?: number; startDate?: string; log?: (m: string) => void }): Promise<Landing> {
  const perDay = opts.perDay ?? 1_000_000;
  const days = Math.max(1, Math.ceil(opts.rows / perDay));
  const rowsPerDay = Math.ceil(opts.rows / days);
  const start = opts.startDate ?? '2019-07-15';
  const dir = path.join(ROOT, '.data', 'bench-landing', `tx-${opts.rows}-d${days}-s${opts.seed ?? 42}`);
  const marker = path.join(dir, 'landing.json');
  if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8')) as Landing;
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const genDays = Math.min(days, 2);
  opts.log?.(`landing: generating ${genDays} day(s) x ${rowsPerDay} transactions with pipeline.generate into ${dir}`);
  // customers scale with the volume, as a real book would (the generator's default is 200)
  const summary = await generate({ landing: dir, days: genDays, startDate: start, seed: opts.seed ?? 42, transactionsPerDay: rowsPerDay, ticksPerDay: 10, customers: Math.min(50_000, Math.max(1000, Math.round(rowsPerDay / 50))) } as Parameters<typeof generate>[0]);
  // the ticks are not part of this benchmark
  fs.rmSync(path.join(dir, 'market_ticks'), { recursive: true, force: true });
  const dates = [...summary.dates];
  if (days > 2) {
    const d1 = dates[1]!;
    const window = [addDays(d1, -2), addDays(d1, -1), d1, addDays(d1, 1)];
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await db.connect();
    await conn.run("SET TimeZone = 'UTC'");
    for (let k = 1; k <= days - 2; k++) {
      const date = addDays(d1, k);
      opts.log?.(`landing: replaying ${d1} as ${date}`);
      for (const ds of ['customers', 'fx_rates', 'transactions']) {
        const src = path.join(dir, ds, d1);
        const dst = path.join(dir, ds, date);
        fs.mkdirSync(dst, { recursive: true });
        for (const f of fs.readdirSync(src)) {
          if (f.endsWith('.parquet')) {
            const moved = `CAST(replace(replace(transaction_id, '${compact(d1)}', '${compact(date)}'), '${compact(addDays(d1, -1))}', '${compact(addDays(date, -1))}') AS VARCHAR)`;
            await conn.run(
              `COPY (SELECT * REPLACE (${moved} AS transaction_id, ts + INTERVAL ${k} DAY AS ts) FROM read_parquet('${path.join(src, f)}')) TO '${path.join(dst, f)}' (FORMAT parquet)`,
            );
          } else {
            fs.writeFileSync(path.join(dst, f), shiftText(fs.readFileSync(path.join(src, f), 'utf8'), window, k));
          }
        }
      }
      dates.push(date);
    }
    conn.closeSync();
    db.closeSync();
  }
  const landing: Landing = { dir, dates, rows: await countRecords(dir), method: days > 2 ? 'generator (2 days) + date-shifted replay' : 'generator', generateMs: performance.now() - t0 };
  fs.writeFileSync(marker, JSON.stringify(landing));
  return landing;
}
