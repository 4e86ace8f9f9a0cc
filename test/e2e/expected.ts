/**
 * Gold figures computed independently from the generator's records (what silver should hold
 * for each record), in plain TypeScript: no SQL shared with pipeline/.
 */
import type { GeneratedData } from '../../pipeline/generate/generate';

export interface Ohlcv { symbol: string; open: number; high: number; low: number; close: number; volume: number; vwap: number; trade_count: number }

export function expectedOhlcv(data: GeneratedData, date: string): Map<string, Ohlcv> {
  const day = data.days.find((d) => d.date === date);
  if (!day) throw new Error(`no generated day ${date}`);
  const by = new Map<string, { ts: string; price: number; volume: number }[]>();
  for (const t of day.ticks) {
    if (t.expected !== 'silver' || !t.tick) continue;
    const { symbol, ts, price, volume } = t.tick;
    (by.get(symbol) ?? by.set(symbol, []).get(symbol)!).push({ ts, price: price!, volume: volume! });
  }
  const out = new Map<string, Ohlcv>();
  for (const [symbol, ticks] of by) {
    ticks.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    const volume = ticks.reduce((n, t) => n + t.volume, 0);
    out.set(symbol, {
      symbol,
      open: ticks[0]!.price,
      close: ticks[ticks.length - 1]!.price,
      high: Math.max(...ticks.map((t) => t.price)),
      low: Math.min(...ticks.map((t) => t.price)),
      volume,
      vwap: ticks.reduce((n, t) => n + t.price * t.volume, 0) / volume,
      trade_count: ticks.length,
    });
  }
  return out;
}

/** Linear interpolation between closest ranks, as DuckDB's quantile_cont. */
export function quantileCont(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface TxnSummary { region: string; type: string; currency: string; txn_count: number; amount_sum: number; amount_mean: number; amount_p50: number; amount_p95: number; amount_usd_sum: number }

export function expectedTransactionSummary(data: GeneratedData, date: string): Map<string, TxnSummary> {
  const day = data.days.find((d) => d.date === date);
  if (!day) throw new Error(`no generated day ${date}`);
  const rate = new Map(day.fx.map((f) => [f.currency, f.rate_to_usd]));
  const groups = new Map<string, { region: string; type: string; currency: string; amounts: number[]; usd: number }>();
  // Every record whose business date is `date` and that silver should keep, whichever day delivered it.
  for (const d of data.days) {
    for (const r of d.delivered) {
      if (r.expected !== 'silver' || !r.value || r.date !== date) continue;
      const v = r.value;
      const k = `${v.region}|${v.type}|${v.currency}`;
      const g = groups.get(k) ?? groups.set(k, { region: v.region, type: v.type, currency: v.currency, amounts: [], usd: 0 }).get(k)!;
      g.amounts.push(v.amount);
      g.usd += v.amount * rate.get(v.currency)!;
    }
  }
  const out = new Map<string, TxnSummary>();
  for (const [k, g] of groups) {
    const sorted = [...g.amounts].sort((a, b) => a - b);
    const sum = g.amounts.reduce((n, a) => n + a, 0);
    out.set(k, {
      region: g.region, type: g.type, currency: g.currency,
      txn_count: g.amounts.length,
      amount_sum: Math.round(sum * 100) / 100,
      amount_mean: sum / g.amounts.length,
      amount_p50: quantileCont(sorted, 0.5),
      amount_p95: quantileCont(sorted, 0.95),
      amount_usd_sum: g.usd,
    });
  }
  return out;
}
