/**
 * Gold figures computed independently from the generator's records (what silver should hold
 * for each record), in plain TypeScript: no SQL shared with pipeline/.
 */
import type { GeneratedData } from '../../pipeline/generate/generate';
import type { Transaction } from '../../pipeline/generate/records';

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

/** The transactions silver should hold for business date `date`, whichever day delivered them, with amount_usd. */
export function silverTransactions(data: GeneratedData, date: string): (Transaction & { amount_usd: number })[] {
  const day = data.days.find((d) => d.date === date);
  if (!day) throw new Error(`no generated day ${date}`);
  const rate = new Map(day.fx.map((f) => [f.currency, f.rate_to_usd]));
  const out: (Transaction & { amount_usd: number })[] = [];
  for (const d of data.days) {
    for (const r of d.delivered) {
      if (r.expected !== 'silver' || !r.value || r.date !== date) continue;
      out.push({ ...r.value, amount_usd: r.value.amount * rate.get(r.value.currency)! });
    }
  }
  return out;
}

export function expectedTransactionSummary(data: GeneratedData, date: string): Map<string, TxnSummary> {
  const groups = new Map<string, { region: string; type: string; currency: string; amounts: number[]; usd: number }>();
  for (const v of silverTransactions(data, date)) {
    const k = `${v.region}|${v.type}|${v.currency}`;
    const g = groups.get(k) ?? groups.set(k, { region: v.region, type: v.type, currency: v.currency, amounts: [], usd: 0 }).get(k)!;
    g.amounts.push(v.amount);
    g.usd += v.amount_usd;
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

export interface CustomerActivity {
  customer_id: string; customer_name: string | null; segment: string | null; risk_rating: string | null; home_region: string | null;
  txn_count: number; credits_usd: number; debits_usd: number; net_usd: number; largest_usd: number; counterparties: number; regions: number;
}

export function expectedCustomerActivity(data: GeneratedData, date: string): Map<string, CustomerActivity> {
  const customers = new Map(data.customers.map((c) => [c.customer_id, c]));
  const out = new Map<string, CustomerActivity>();
  const cps = new Map<string, Set<string>>();
  const regions = new Map<string, Set<string>>();
  for (const t of silverTransactions(data, date)) {
    const c = customers.get(t.customer_id);
    const a = out.get(t.customer_id) ?? out.set(t.customer_id, {
      customer_id: t.customer_id, customer_name: c?.name ?? null, segment: c?.segment ?? null, risk_rating: c?.risk_rating ?? null, home_region: c?.region ?? null,
      txn_count: 0, credits_usd: 0, debits_usd: 0, net_usd: 0, largest_usd: -Infinity, counterparties: 0, regions: 0,
    }).get(t.customer_id)!;
    a.txn_count++;
    if (t.type === 'credit') a.credits_usd += t.amount_usd;
    else a.debits_usd += t.amount_usd;
    a.net_usd = a.credits_usd - a.debits_usd;
    a.largest_usd = Math.max(a.largest_usd, t.amount_usd);
    if (t.counterparty !== null && t.counterparty !== undefined) (cps.get(t.customer_id) ?? cps.set(t.customer_id, new Set()).get(t.customer_id)!).add(t.counterparty);
    (regions.get(t.customer_id) ?? regions.set(t.customer_id, new Set()).get(t.customer_id)!).add(t.region);
  }
  for (const [id, a] of out) {
    a.counterparties = cps.get(id)?.size ?? 0;
    a.regions = regions.get(id)?.size ?? 0;
  }
  return out;
}

export interface Indicators {
  symbol: string; close: number; observations: number; sma_20: number | null; sma_50: number | null; ema_12: number; ema_26: number;
  macd: number; macd_signal: number; rsi_14: number | null; volatility_20: number | null;
}

/** Closes per symbol for every generated day up to `date`, oldest first. */
function closes(data: GeneratedData, date: string): Map<string, { date: string; close: number; region: string }[]> {
  const out = new Map<string, { date: string; close: number; region: string }[]>();
  for (const d of data.days.filter((x) => x.date <= date)) {
    const bars = expectedOhlcv(data, d.date);
    const regionOf = new Map(d.ticks.filter((t) => t.tick).map((t) => [t.tick!.symbol, t.tick!.region]));
    for (const [symbol, b] of bars) (out.get(symbol) ?? out.set(symbol, []).get(symbol)!).push({ date: d.date, close: b.close, region: regionOf.get(symbol)! });
  }
  return out;
}

/** Textbook definitions: EMA seeded with the first close, MACD signal EMA(9) seeded at 0, Wilder's RSI(14). */
export function expectedIndicators(data: GeneratedData, date: string): Map<string, Indicators> {
  const out = new Map<string, Indicators>();
  for (const [symbol, series] of closes(data, date)) {
    if (series[series.length - 1]!.date !== date) continue;
    let ema12 = series[0]!.close;
    let ema26 = series[0]!.close;
    let signal = 0;
    let gain: number | null = null;
    let loss: number | null = null;
    for (let i = 1; i < series.length; i++) {
      const c = series[i]!.close;
      const chg = c - series[i - 1]!.close;
      ema12 = (2 / 13) * c + (11 / 13) * ema12;
      ema26 = (2 / 27) * c + (25 / 27) * ema26;
      signal = (2 / 10) * (ema12 - ema26) + (8 / 10) * signal;
      gain = gain === null ? Math.max(chg, 0) : (gain * 13 + Math.max(chg, 0)) / 14;
      loss = loss === null ? Math.max(-chg, 0) : (loss * 13 + Math.max(-chg, 0)) / 14;
    }
    const n = series.length;
    const avg = (k: number) => series.slice(-k).reduce((s, x) => s + x.close, 0) / Math.min(k, n);
    const rsi = n <= 14 ? null : loss === 0 && gain === 0 ? 50 : loss === 0 ? 100 : 100 - 100 / (1 + gain! / loss!);
    out.set(symbol, {
      symbol, close: series[n - 1]!.close, observations: n,
      sma_20: n >= 20 ? avg(20) : null, sma_50: n >= 50 ? avg(50) : null,
      ema_12: ema12, ema_26: ema26, macd: ema12 - ema26, macd_signal: n === 1 ? 0 : signal, rsi_14: rsi,
      volatility_20: null, // needs 20 daily returns; the e2e has 3 days
    });
  }
  return out;
}

export interface Risk { entity_type: string; entity: string; region: string; observations: number; var_95: number | null; var_99: number | null; max_drawdown: number | null; gross_exposure_usd: number | null; net_exposure_usd: number | null }

/** Historical VaR (negated 5% / 1% quantile of daily returns) and max drawdown per symbol; exposure per region. */
export function expectedRisk(data: GeneratedData, date: string): Map<string, Risk> {
  const out = new Map<string, Risk>();
  for (const [symbol, series] of closes(data, date)) {
    if (series[series.length - 1]!.date !== date) continue;
    const rets = series.slice(1).map((b, i) => b.close / series[i]!.close - 1).sort((a, b) => a - b);
    let peak = -Infinity;
    let dd = Infinity;
    for (const b of series) {
      peak = Math.max(peak, b.close);
      dd = Math.min(dd, b.close / peak - 1);
    }
    out.set(`symbol|${symbol}`, {
      entity_type: 'symbol', entity: symbol, region: series[series.length - 1]!.region, observations: rets.length,
      var_95: rets.length ? -quantileCont(rets, 0.05) : null, var_99: rets.length ? -quantileCont(rets, 0.01) : null,
      max_drawdown: dd, gross_exposure_usd: null, net_exposure_usd: null,
    });
  }
  for (const t of silverTransactions(data, date)) {
    const k = `region|${t.region}`;
    const r = out.get(k) ?? out.set(k, { entity_type: 'region', entity: t.region, region: t.region, observations: 0, var_95: null, var_99: null, max_drawdown: null, gross_exposure_usd: 0, net_exposure_usd: 0 }).get(k)!;
    r.observations++;
    r.gross_exposure_usd! += Math.abs(t.amount_usd);
    r.net_exposure_usd! += (t.type === 'credit' ? 1 : -1) * t.amount_usd;
  }
  return out;
}
