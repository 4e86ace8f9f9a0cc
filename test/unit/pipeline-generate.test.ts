import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate, generateData, generateTicks, type DefectKind } from '../../pipeline';
import { cleanupDirs, tempDir } from '../helpers/lakehouse';

afterAll(cleanupDirs);

const opts = { days: 3, startDate: '2024-03-01', transactionsPerDay: 2000, ticksPerDay: 300, defectRate: 0.05 };

function defectCounts(data: ReturnType<typeof generateData>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of data.days) for (const r of d.delivered) if (r.defect) out[r.defect] = (out[r.defect] ?? 0) + 1;
  return out;
}

describe('generateData', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateData({ ...opts, seed: 7 });
    const b = generateData({ ...opts, seed: 7 });
    const c = generateData({ ...opts, seed: 8 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.days[0].delivered.slice(0, 20))).not.toBe(JSON.stringify(c.days[0].delivered.slice(0, 20)));
  });

  it('injects no defects at rate 0', () => {
    const data = generateData({ ...opts, defectRate: 0 });
    expect(defectCounts(data)).toEqual({});
    for (const d of data.days) {
      expect(d.delivered.every((r) => r.expected === 'silver')).toBe(true);
      expect(d.ticks.every((t) => t.expected === 'silver' && t.tick!.price! > 0 && t.tick!.bid! <= t.tick!.ask!)).toBe(true);
    }
  });

  it('injects every defect kind at about the asked share', () => {
    const data = generateData(opts);
    const counts = defectCounts(data);
    const total = Object.values(counts).reduce((s, n) => s + n, 0);
    const records = opts.days * opts.transactionsPerDay;
    // 5% of 6000 = 300; binomial spread is about +-17
    expect(total).toBeGreaterThan(records * 0.035);
    expect(total).toBeLessThan(records * 0.065);
    for (const kind of ['null_field', 'unknown_currency', 'duplicate_id', 'malformed_line', 'wrong_type', 'late_arrival'] as DefectKind[]) {
      expect(counts[kind] ?? 0, kind).toBeGreaterThan(0);
    }
    const tickDefects = new Set(data.days.flatMap((d) => d.ticks.map((t) => t.defect)).filter(Boolean));
    for (const kind of ['negative_price', 'bid_above_ask', 'duplicate_id', 'malformed_line'] as DefectKind[]) expect(tickDefects.has(kind), kind).toBe(true);
  });

  it('delivers late rows in the next day file, never on the last day', () => {
    const data = generateData(opts);
    const late = data.days.flatMap((d) => d.delivered.filter((r) => r.defect === 'late_arrival').map((r) => ({ delivered: d.date, date: r.date })));
    expect(late.length).toBeGreaterThan(0);
    for (const l of late) expect(Date.parse(l.delivered) - Date.parse(l.date)).toBe(86_400_000);
    expect(late.every((l) => l.date !== opts.startDate || l.delivered === '2024-03-02')).toBe(true);
  });

  it('keeps malformed lines and wrong types out of Parquet, and marks what silver should do', () => {
    const data = generateData(opts);
    for (const d of data.days) {
      for (const r of d.delivered) {
        if (r.defect === 'malformed_line' || r.defect === 'wrong_type') expect(r.format).not.toBe('parquet');
        if (r.expected === 'silver' || r.expected === 'duplicate') expect(r.value).toBeDefined();
        if (r.expected === 'quarantine') expect(r.value).toBeUndefined();
      }
    }
    // duplicates reuse an id delivered before
    const ids = new Set<string>();
    for (const d of data.days) {
      for (const r of d.delivered.filter((x) => x.expected === 'silver')) ids.add(r.value!.transaction_id);
    }
    for (const d of data.days) for (const r of d.delivered.filter((x) => x.expected === 'duplicate')) expect(ids.has(r.value!.transaction_id)).toBe(true);
  });

  it('draws log-normal amounts: positive, right-skewed (mean above median)', () => {
    const data = generateData({ ...opts, defectRate: 0 });
    const usd = data.days[0].delivered.filter((r) => r.value!.currency === 'USD' && r.value!.type === 'debit').map((r) => r.value!.amount);
    usd.sort((a, b) => a - b);
    const mean = usd.reduce((s, x) => s + x, 0) / usd.length;
    expect(usd[0]).toBeGreaterThan(0);
    expect(mean).toBeGreaterThan(usd[Math.floor(usd.length / 2)] * 1.2);
  });
});

describe('generateTicks', () => {
  it('gives exactly count ticks, time-ordered, the same for a seed and date', () => {
    const a = generateTicks({ date: '2024-03-01', count: 250, seed: 3 });
    expect(a).toHaveLength(250);
    expect(JSON.stringify(generateTicks({ date: '2024-03-01', count: 250, seed: 3 }))).toBe(JSON.stringify(a));
    const ts = a.map((t) => Date.parse(t.tick!.ts));
    expect([...ts].sort((x, y) => x - y)).toEqual(ts);
    expect(ts.every((t) => new Date(t).toISOString().startsWith('2024-03-01'))).toBe(true);
  });

  it('continues each symbol price path from one day to the next (GBM, no jumps)', () => {
    const last = (date: string) => {
      const m = new Map<string, number>();
      for (const t of generateTicks({ date, count: 500, seed: 3 })) m.set(t.tick!.symbol, t.tick!.price!);
      return m;
    };
    const first = (date: string) => {
      const m = new Map<string, number>();
      for (const t of generateTicks({ date, count: 500, seed: 3 })) if (!m.has(t.tick!.symbol)) m.set(t.tick!.symbol, t.tick!.price!);
      return m;
    };
    const close = last('2024-03-01');
    const open = first('2024-03-02');
    for (const [symbol, c] of close) expect(Math.abs(Math.log(open.get(symbol)! / c)), symbol).toBeLessThan(0.05);
  });
});

describe('generate', () => {
  it('writes the landing files and returns counts per file and defects injected', async () => {
    const landing = await tempDir('landing-');
    const summary = await generate({ ...opts, days: 2, landing, seed: 11 });
    expect(summary.dates).toEqual(['2024-03-01', '2024-03-02']);
    const data = generateData({ ...opts, days: 2, seed: 11 });
    for (const f of summary.files) {
      const text = f.format === 'parquet' ? '' : await fs.readFile(path.join(landing, f.path), 'utf8');
      if (f.format === 'csv') expect(text.trim().split('\n').length - 1, f.path).toBeGreaterThanOrEqual(f.records);
      if (f.format === 'jsonl') expect(text.trim().split('\n')).toHaveLength(f.records);
      if (f.format === 'parquet') expect((await fs.stat(path.join(landing, f.path))).size).toBeGreaterThan(0);
    }
    const txFiles = summary.files.filter((f) => f.dataset === 'transactions');
    expect(txFiles.map((f) => f.format).sort()).toEqual(['csv', 'csv', 'jsonl', 'jsonl', 'parquet', 'parquet']);
    expect(summary.records.transactions).toBe(data.days.reduce((s, d) => s + d.delivered.length, 0));
    expect(summary.defects.transactions.malformed_line).toBe(data.days.flatMap((d) => d.delivered).filter((r) => r.defect === 'malformed_line').length);
    const ticks = await fs.readFile(path.join(landing, 'market_ticks/2024-03-01/ticks.jsonl'), 'utf8');
    expect(ticks.trim().split('\n')).toEqual(generateTicks({ date: '2024-03-01', count: 300, seed: summary.seed, defectRate: summary.defectRate }).map((t) => t.value));
  });

  it('refuses bad options naming them', async () => {
    await expect(generate({ ...opts, landing: '/tmp/x', startDate: '2024-02-30' })).rejects.toThrow(/startDate/);
    await expect(generate({ ...opts, landing: '/tmp/x', days: 0 })).rejects.toThrow(/days/);
    await expect(generate({ ...opts, landing: '/tmp/x', defectRate: 2 })).rejects.toThrow(/defectRate/);
  });
});
