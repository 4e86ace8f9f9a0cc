/**
 * The file-delivered datasets as records: customers (a snapshot per day), FX rates per day and
 * transactions per day, each record tagged with what silver should make of it.
 * Pure and deterministic: the same (seed, options, date) gives the same records.
 */
import { CURRENCIES, RISK_RATINGS, SEGMENTS, TRANSACTION_TYPES } from '../datasets/reference-values';
import type { DefectKind, FileFormat } from '../types';
import type { Expected } from './market';
import { Rng, addDays } from './prng';

export interface Customer {
  customer_id: string;
  name: string;
  segment: string;
  region: string;
  risk_rating: string;
  opened_at: string;
}

export interface FxRate {
  date: string;
  currency: string;
  rate_to_usd: number;
}

/** A transaction as silver should hold it (standardised values). */
export interface Transaction {
  transaction_id: string;
  account_id: string;
  customer_id: string;
  /** ISO-8601 UTC */
  ts: string;
  /** 2 decimals, in `currency` */
  amount: number;
  currency: string;
  type: string;
  region: string;
  counterparty: string;
  status: string;
}

/** One record of a landing file. */
export interface GeneratedRecord<T> {
  /** the field values as written (variations and defects applied); undefined when `line` replaces the record */
  fields?: Record<string, unknown>;
  /** a malformed line written verbatim instead of the fields (CSV or JSON lines only) */
  line?: string;
  /** the record as silver should hold it; undefined unless expected is 'silver' or 'duplicate' */
  value?: T;
  expected: Expected;
  defect?: DefectKind;
  /** the business date (UTC date of ts); for unreadable records, the delivery date */
  date: string;
  format: FileFormat;
}

const FIRST = ['Maria', 'John', 'Wei', 'Aiko', 'Lukas', 'Sofia', 'Omar', 'Priya', 'Chen', 'Emma', 'Mateo', 'Noah', 'Zoë', 'Jürgen'];
const LAST = ['Ortiz', 'Smith', 'Zhang', 'Tanaka', 'Müller', 'Rossi', 'Haddad', 'Patel', 'Li', "O'Brien", 'García', 'Dubois'];
const REGION_WEIGHTS: readonly (readonly ['US' | 'EU' | 'APAC', number])[] = [
  ['US', 5],
  ['EU', 3],
  ['APAC', 2],
];

export function customerId(n: number): string {
  return `C${String(n).padStart(6, '0')}`;
}

/** The customer base: stable across days (ids C000001..). */
export function generateCustomers(seed: number, count: number, startDate: string): Customer[] {
  const rng = Rng.for(seed, 'customers');
  const out: Customer[] = [];
  for (let i = 1; i <= count; i++) {
    // some names carry a comma or a quote, so CSV quoting is exercised
    const name = rng.chance(0.15) ? `${rng.pick(LAST)}, ${rng.pick(FIRST)}` : `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
    out.push({
      customer_id: customerId(i),
      name,
      segment: rng.weighted([
        [SEGMENTS[0], 70],
        [SEGMENTS[1], 12],
        [SEGMENTS[2], 15],
        [SEGMENTS[3], 3],
      ]),
      region: rng.weighted(REGION_WEIGHTS),
      risk_rating: rng.weighted([
        [RISK_RATINGS[0], 60],
        [RISK_RATINGS[1], 30],
        [RISK_RATINGS[2], 10],
      ]),
      opened_at: addDays(startDate, -rng.int(30, 3650)),
    });
  }
  return out;
}

/** The day's snapshot of the customer base, with a few defective extra rows. */
export function customerSnapshot(seed: number, base: Customer[], date: string, defectRate: number): GeneratedRecord<Customer>[] {
  const rng = Rng.for(seed, 'customer-snapshot', date);
  const out: GeneratedRecord<Customer>[] = base.map((c) => ({
    // a share arrive with lower-case ids: silver standardises them
    fields: { ...c, customer_id: rng.chance(0.02) ? c.customer_id.toLowerCase() : c.customer_id },
    value: c,
    expected: 'silver',
    date,
    format: 'csv',
  }));
  const extra = Math.round(base.length * defectRate);
  for (let i = 0; i < extra; i++) {
    const c = rng.pick(base);
    if (i % 2 === 0) {
      out.push({ fields: { ...c, customer_id: null }, expected: 'quarantine', defect: 'null_field', date, format: 'csv' });
    } else {
      out.push({ fields: { ...c }, value: c, expected: 'duplicate', defect: 'duplicate_id', date, format: 'csv' });
    }
  }
  return out;
}

const BASE_FX: Record<string, number> = { USD: 1, EUR: 1.08, GBP: 1.27, CHF: 1.12, JPY: 0.0067, SGD: 0.74, HKD: 0.128, AUD: 0.66 };

/** The day's reference rates (USD = 1; the others a small seeded walk around a base). */
export function fxRates(seed: number, date: string): FxRate[] {
  const rng = Rng.for(seed, 'fx', date);
  return CURRENCIES.map((currency) => ({
    date,
    currency,
    rate_to_usd: currency === 'USD' ? 1 : Number((BASE_FX[currency] * (1 + 0.01 * rng.normal())).toFixed(6)),
  }));
}

const CURRENCY_BY_REGION: Record<string, readonly (readonly [string, number])[]> = {
  US: [
    ['USD', 95],
    ['EUR', 3],
    ['GBP', 2],
  ],
  EU: [
    ['EUR', 70],
    ['GBP', 20],
    ['CHF', 10],
  ],
  APAC: [
    ['JPY', 40],
    ['SGD', 20],
    ['HKD', 20],
    ['AUD', 20],
  ],
};

/** log-normal USD size per type: median exp(mu), spread sigma */
const SIZE: Record<string, [number, number]> = { debit: [Math.log(60), 1.1], credit: [Math.log(1800), 0.9], transfer: [Math.log(700), 1.3], fee: [Math.log(6), 0.5] };

export interface TransactionDayOptions {
  seed: number;
  date: string;
  count: number;
  customers: Customer[];
  defectRate: number;
  /** the previous day's records, for duplicates of ids already delivered */
  previous?: GeneratedRecord<Transaction>[];
  /** false on the last generated day: no late arrivals (there is no next file) */
  allowLate: boolean;
}

/**
 * The transactions whose business date is `date`. Records with `late` set are delivered in the
 * next day's files. Formats mix ~40% CSV, 30% JSON lines, 30% Parquet; malformed lines and
 * wrong types go to CSV/JSON (a Parquet column is typed).
 */
export function generateTransactions(opts: TransactionDayOptions): { records: GeneratedRecord<Transaction>[]; late: GeneratedRecord<Transaction>[] } {
  const rng = Rng.for(opts.seed, 'transactions', opts.date);
  const fx = Object.fromEntries(fxRates(opts.seed, opts.date).map((r) => [r.currency, r.rate_to_usd]));
  const dayStart = Date.parse(`${opts.date}T00:00:00Z`);
  const compact = opts.date.replace(/-/g, '');
  const records: GeneratedRecord<Transaction>[] = [];
  const late: GeneratedRecord<Transaction>[] = [];
  const previousClean = (opts.previous ?? []).filter((r) => r.expected === 'silver' && r.value);
  // clean records of today so far, kept as we go (duplicates copy one of them)
  const cleanToday: GeneratedRecord<Transaction>[] = [];

  for (let i = 0; i < opts.count; i++) {
    const customer = rng.pick(opts.customers);
    const type = rng.weighted<string>([
      [TRANSACTION_TYPES[0], 55],
      [TRANSACTION_TYPES[1], 20],
      [TRANSACTION_TYPES[2], 20],
      [TRANSACTION_TYPES[3], 5],
    ]);
    const region = rng.chance(0.9) ? customer.region : rng.weighted(REGION_WEIGHTS);
    const currency = rng.weighted(CURRENCY_BY_REGION[region]);
    const [mu, sigma] = SIZE[type];
    const amount = Math.max(0.01, Number((rng.logNormal(mu, sigma) / fx[currency]).toFixed(2)));
    const ms = dayStart + rng.int(0, 86_400_000 - 1);
    const value: Transaction = {
      transaction_id: `T${compact}-${String(i + 1).padStart(7, '0')}`,
      account_id: `A${customer.customer_id.slice(1)}-${rng.int(1, 3)}`,
      customer_id: customer.customer_id,
      ts: new Date(ms).toISOString(),
      amount,
      currency,
      type,
      region,
      counterparty: type === 'transfer' ? `ACC-${rng.int(100000, 999999)}` : `MERCHANT-${String(rng.int(1, 80)).padStart(3, '0')}`,
      status: rng.weighted([
        ['posted', 90],
        ['pending', 8],
        ['reversed', 2],
      ]),
    };
    const format = rng.weighted<FileFormat>([
      ['csv', 4],
      ['jsonl', 3],
      ['parquet', 3],
    ]);
    const record: GeneratedRecord<Transaction> = { fields: variation(rng, value, format), value, expected: 'silver', date: opts.date, format };

    if (opts.defectRate > 0 && rng.chance(opts.defectRate)) {
      const defect = rng.weighted<DefectKind>([
        ['null_field', 2],
        ['unknown_currency', 2],
        ['duplicate_id', 2],
        ['malformed_line', 2],
        ['wrong_type', 2],
        ['late_arrival', opts.allowLate ? 2 : 0],
      ]);
      applyTransactionDefect(rng, record, defect, previousClean, cleanToday);
    }
    if (record.defect === 'late_arrival') late.push(record);
    else {
      records.push(record);
      if (record.expected === 'silver' && record.fields) cleanToday.push(record);
    }
  }
  return { records, late };
}

/** Harmless variations silver must standardise: case, whitespace, a UTC offset on ts. */
function variation(rng: Rng, t: Transaction, format: FileFormat): Record<string, unknown> {
  const f: Record<string, unknown> = { ...t };
  if (rng.chance(0.03)) f.currency = t.currency.toLowerCase();
  if (rng.chance(0.02)) f.customer_id = t.customer_id.toLowerCase();
  if (rng.chance(0.02)) f.type = t.type.toUpperCase();
  if (format !== 'parquet' && rng.chance(0.1)) f.ts = withOffset(t.ts, t.region === 'APAC' ? 8 : t.region === 'EU' ? 1 : -5);
  return f;
}

/** The same instant written in local time with an explicit offset. */
function withOffset(iso: string, hours: number): string {
  const local = new Date(Date.parse(iso) + hours * 3_600_000).toISOString().slice(0, 23);
  const sign = hours < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
}

function applyTransactionDefect(
  rng: Rng,
  record: GeneratedRecord<Transaction>,
  defect: DefectKind,
  previousClean: GeneratedRecord<Transaction>[],
  cleanToday: GeneratedRecord<Transaction>[],
): void {
  const fields = record.fields as Record<string, unknown>;
  record.defect = defect;
  switch (defect) {
    case 'null_field': {
      const field = rng.pick(['transaction_id', 'customer_id', 'amount', 'ts']);
      fields[field] = null;
      record.value = undefined;
      record.expected = 'quarantine';
      return;
    }
    case 'unknown_currency':
      fields.currency = rng.pick(['XYZ', 'BTC', 'US$']);
      record.value = undefined;
      record.expected = 'quarantine';
      return;
    case 'wrong_type':
      if (record.format === 'parquet') record.format = 'csv';
      if (rng.chance(0.5)) fields.amount = rng.pick(['twelve', '1,234.50', 'N/A']);
      else fields.ts = rng.pick(['yesterday', '2024-13-45T99:00:00Z', '']);
      record.value = undefined;
      record.expected = 'quarantine';
      return;
    case 'malformed_line': {
      if (record.format === 'parquet') record.format = rng.chance(0.5) ? 'csv' : 'jsonl';
      record.line =
        record.format === 'csv'
          ? rng.pick([
              // a field missing, an extra field, garbage
              `${record.value!.transaction_id},${record.value!.account_id},${record.value!.customer_id},${record.value!.ts},${record.value!.amount}`,
              `${record.value!.transaction_id},x,y,z,1,2,3,4,5,6,7,8`,
              '#### corrupted block ####',
            ])
          : JSON.stringify(fields).slice(0, 40);
      record.fields = undefined;
      record.value = undefined;
      record.expected = 'quarantine';
      return;
    }
    case 'duplicate_id': {
      // mostly an exact re-delivery of an earlier record of today; else an id already delivered yesterday
      const earlier = cleanToday;
      if (earlier.length > 0 && (previousClean.length === 0 || rng.chance(0.6))) {
        const original = rng.pick(earlier);
        record.fields = { ...original.fields };
        record.value = original.value;
        record.date = original.date;
      } else if (previousClean.length > 0) {
        const original = rng.pick(previousClean);
        fields.transaction_id = original.value!.transaction_id;
        record.value = { ...record.value!, transaction_id: original.value!.transaction_id };
      } else {
        record.defect = undefined;
        return;
      }
      record.expected = 'duplicate';
      return;
    }
    case 'late_arrival':
      // still a valid record of its date, delivered a day late
      return;
    default:
      return;
  }
}
