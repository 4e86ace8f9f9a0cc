/**
 * Market ticks: a geometric Brownian motion per symbol. The daily log-return of every day since
 * an epoch is drawn from a stream keyed by (seed, symbol, day), so the open of any date is
 * reproducible on its own; within the day the log-price follows a Brownian bridge from that open
 * to the next day's open, sampled at the day's tick times.
 */
import type { DefectKind } from '../types';
import { Rng, addDays, assertDate, daysBetween, hash32 } from './prng';

export interface SymbolSpec {
  symbol: string;
  exchange: string;
  region: 'US' | 'EU' | 'APAC';
  /** price on the epoch date */
  s0: number;
  /** annual drift and volatility */
  mu: number;
  sigma: number;
  /** quoted spread in basis points of the price */
  spreadBps: number;
}

export const DEFAULT_SYMBOLS: readonly SymbolSpec[] = [
  { symbol: 'AAPL', exchange: 'NASDAQ', region: 'US', s0: 180, mu: 0.12, sigma: 0.28, spreadBps: 2 },
  { symbol: 'MSFT', exchange: 'NASDAQ', region: 'US', s0: 370, mu: 0.1, sigma: 0.25, spreadBps: 2 },
  { symbol: 'JPM', exchange: 'NYSE', region: 'US', s0: 165, mu: 0.08, sigma: 0.22, spreadBps: 3 },
  { symbol: 'BRK.B', exchange: 'NYSE', region: 'US', s0: 360, mu: 0.07, sigma: 0.18, spreadBps: 4 },
  { symbol: 'SAP', exchange: 'XETRA', region: 'EU', s0: 140, mu: 0.09, sigma: 0.24, spreadBps: 5 },
  { symbol: 'ASML', exchange: 'EURONEXT', region: 'EU', s0: 650, mu: 0.14, sigma: 0.35, spreadBps: 5 },
  { symbol: 'HSBA', exchange: 'LSE', region: 'EU', s0: 6.2, mu: 0.05, sigma: 0.2, spreadBps: 8 },
  { symbol: 'TM', exchange: 'TSE', region: 'APAC', s0: 2500, mu: 0.06, sigma: 0.23, spreadBps: 6 },
  { symbol: 'TCEHY', exchange: 'HKEX', region: 'APAC', s0: 38, mu: 0.04, sigma: 0.38, spreadBps: 10 },
  { symbol: 'BHP', exchange: 'ASX', region: 'APAC', s0: 45, mu: 0.05, sigma: 0.27, spreadBps: 7 },
];

const EXCHANGES: readonly (readonly [string, SymbolSpec['region']])[] = [
  ['NYSE', 'US'],
  ['NASDAQ', 'US'],
  ['XETRA', 'EU'],
  ['LSE', 'EU'],
  ['TSE', 'APAC'],
  ['HKEX', 'APAC'],
];

/** The specs of the named symbols; unknown names get a spec derived from the name. */
export function symbolSpecs(symbols?: readonly string[]): SymbolSpec[] {
  if (!symbols || symbols.length === 0) return [...DEFAULT_SYMBOLS];
  return symbols.map((name) => {
    const known = DEFAULT_SYMBOLS.find((s) => s.symbol === name.toUpperCase());
    if (known) return known;
    const h = hash32(name);
    const [exchange, region] = EXCHANGES[h % EXCHANGES.length];
    return { symbol: name.toUpperCase(), exchange, region, s0: 10 + (h % 490), mu: 0.06, sigma: 0.2 + (h % 20) / 100, spreadBps: 3 + (h % 8) };
  });
}

const EPOCH = '2020-01-01';
const TRADING_DAYS = 252;

/** The day's log-return (a draw of N((mu - sigma^2/2)/252, sigma/sqrt(252))). */
function dailyLogReturn(seed: number, spec: SymbolSpec, date: string): number {
  const rng = Rng.for(seed, 'gbm-day', spec.symbol, date);
  const dt = 1 / TRADING_DAYS;
  return (spec.mu - (spec.sigma * spec.sigma) / 2) * dt + spec.sigma * Math.sqrt(dt) * rng.normal();
}

const openCache = new Map<string, { date: string; logPrice: number }>();

/** The price at 00:00 UTC of `date`: s0 compounded by every daily return from the epoch. */
export function openPrice(seed: number, spec: SymbolSpec, date: string): number {
  assertDate(date);
  const key = `${seed}|${spec.symbol}|${spec.s0}|${spec.mu}|${spec.sigma}`;
  let from = EPOCH;
  let logPrice = Math.log(spec.s0);
  const cached = openCache.get(key);
  if (cached && daysBetween(cached.date, date) >= 0) {
    from = cached.date;
    logPrice = cached.logPrice;
  }
  const n = daysBetween(from, date);
  if (n >= 0) {
    for (let i = 0; i < n; i++) logPrice += dailyLogReturn(seed, spec, addDays(from, i));
  } else {
    for (let i = 1; i <= -n; i++) logPrice -= dailyLogReturn(seed, spec, addDays(from, -i));
  }
  openCache.set(key, { date, logPrice });
  return Math.exp(logPrice);
}

export interface Tick {
  symbol: string;
  exchange: string;
  region: string;
  /** ISO-8601 UTC with milliseconds */
  ts: string;
  price: number | null;
  volume: number | null;
  bid: number | null;
  ask: number | null;
}

/** What silver should make of a generated record. */
export type Expected = 'silver' | 'quarantine' | 'duplicate';

export interface GeneratedTick {
  /** Kafka key (the symbol as sent) */
  key: string;
  /** the JSON text sent to Kafka / written as a JSON line */
  value: string;
  /** the tick as silver should hold it (standardised); undefined for records that cannot be read */
  tick?: Tick;
  expected: Expected;
  defect?: DefectKind;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export interface TickOptions {
  date: string;
  count: number;
  seed?: number;
  symbols?: readonly string[];
  /** share of ticks made defective (default 0) */
  defectRate?: number;
}

/**
 * The day's ticks, ordered by time: `count` records in all (defective ones included; a
 * duplicate is an extra copy of the tick before it, still counted in `count`).
 */
export function generateTicks(opts: TickOptions): GeneratedTick[] {
  assertDate(opts.date);
  const seed = opts.seed ?? 42;
  const specs = symbolSpecs(opts.symbols);
  const defectRate = opts.defectRate ?? 0;
  const rng = Rng.for(seed, 'ticks', opts.date);
  const perSymbol = specs.map((_, i) => Math.floor(opts.count / specs.length) + (i < opts.count % specs.length ? 1 : 0));
  const dayStart = Date.parse(`${opts.date}T00:00:00Z`);
  const all: { ms: number; spec: SymbolSpec; tick: Tick }[] = [];
  specs.forEach((spec, si) => {
    const n = perSymbol[si];
    if (n === 0) return;
    const open = openPrice(seed, spec, opts.date);
    const r = dailyLogReturn(seed, spec, opts.date);
    const srng = Rng.for(seed, 'intraday', spec.symbol, opts.date);
    // distinct, sorted times within the day (ms resolution)
    const times = new Set<number>();
    while (times.size < n) times.add(srng.int(0, 86_400_000 - 1));
    const sorted = [...times].sort((a, b) => a - b);
    const step = spec.sigma / Math.sqrt(TRADING_DAYS) / Math.sqrt(n);
    const walk: number[] = [];
    let w = 0;
    for (let i = 0; i < n; i++) {
      w += step * srng.normal();
      walk.push(w);
    }
    const wn = walk[n - 1];
    for (let i = 0; i < n; i++) {
      const frac = (i + 1) / n;
      const logp = walk[i] - frac * wn + frac * r;
      const price = round(open * Math.exp(logp), 4);
      const half = (price * spec.spreadBps) / 20_000;
      all.push({
        ms: dayStart + sorted[i],
        spec,
        tick: {
          symbol: spec.symbol,
          exchange: spec.exchange,
          region: spec.region,
          ts: new Date(dayStart + sorted[i]).toISOString(),
          price,
          volume: Math.max(1, Math.round(srng.logNormal(Math.log(300), 1))),
          bid: round(price - Math.max(half, 0.0001), 4),
          ask: round(price + Math.max(half, 0.0001), 4),
        },
      });
    }
  });
  all.sort((a, b) => a.ms - b.ms || a.spec.symbol.localeCompare(b.spec.symbol));

  const out: GeneratedTick[] = [];
  for (const { tick } of all) {
    if (out.length >= opts.count) break;
    if (defectRate > 0 && rng.chance(defectRate)) {
      const defect = rng.weighted<DefectKind>([
        ['negative_price', 2],
        ['bid_above_ask', 2],
        ['null_field', 1],
        ['duplicate_id', 2],
        ['malformed_line', 1],
        ['wrong_type', 1],
      ]);
      out.push(...defectiveTick(tick, defect));
      continue;
    }
    // a share of clean ticks arrive with a lower-case symbol: silver standardises them
    const sent = rng.chance(0.05) ? { ...tick, symbol: tick.symbol.toLowerCase() } : tick;
    out.push({ key: sent.symbol, value: JSON.stringify(sent), tick, expected: 'silver' });
  }
  return out.slice(0, opts.count);
}

function defectiveTick(tick: Tick, defect: DefectKind): GeneratedTick[] {
  const bad = (t: Record<string, unknown>, expected: Expected = 'quarantine'): GeneratedTick => ({
    key: tick.symbol,
    value: JSON.stringify(t),
    tick: expected === 'quarantine' ? undefined : tick,
    expected,
    defect,
  });
  switch (defect) {
    case 'negative_price':
      return [bad({ ...tick, price: -(tick.price ?? 1) })];
    case 'bid_above_ask':
      return [bad({ ...tick, bid: tick.ask, ask: tick.bid })];
    case 'null_field':
      return [bad({ ...tick, price: null })];
    case 'wrong_type':
      return [bad({ ...tick, volume: 'lots' })];
    case 'malformed_line': {
      const text = JSON.stringify(tick);
      return [{ key: tick.symbol, value: text.slice(0, Math.floor(text.length / 2)), expected: 'quarantine', defect }];
    }
    case 'duplicate_id':
      // the original is delivered, then the same message again
      return [
        { key: tick.symbol, value: JSON.stringify(tick), tick, expected: 'silver' },
        { key: tick.symbol, value: JSON.stringify(tick), tick, expected: 'duplicate', defect },
      ];
    default:
      return [bad({ ...tick })];
  }
}
