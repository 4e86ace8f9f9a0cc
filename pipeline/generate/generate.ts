/**
 * `generate`: deterministic sample data for N days into the landing zone.
 *   customers/<date>/customers.csv      the day's snapshot of the customer base
 *   fx_rates/<date>/fx_rates.csv        the day's reference rates
 *   transactions/<date>/part-0.csv, part-1.jsonl, part-2.parquet   (late rows of D-1 included)
 *   market_ticks/<date>/ticks.jsonl     the same ticks produceTicks() publishes for the date
 * `generateData` is the pure half: the records with what silver should make of each, which
 * tests use to compute the expected figures independently.
 */
import { openStore, type ObjectStore, type S3Options } from '../../lakehouse/storage';
import { dataset } from '../registry';
import type { DefectKind, FileFormat, GenerateOptions, GenerateSummary, GeneratedFile } from '../types';
import { writeRecords } from './files';
import { generateTicks, type GeneratedTick } from './market';
import { addDays, assertDate } from './prng';
import {
  customerSnapshot,
  fxRates,
  generateCustomers,
  generateTransactions,
  type Customer,
  type FxRate,
  type GeneratedRecord,
  type Transaction,
} from './records';

export interface GeneratedDay {
  date: string;
  customers: GeneratedRecord<Customer>[];
  fx: FxRate[];
  /** records delivered in this day's transaction files (late rows of the day before included) */
  delivered: GeneratedRecord<Transaction>[];
  ticks: GeneratedTick[];
}

export interface GeneratedData {
  seed: number;
  customers: Customer[];
  days: GeneratedDay[];
}

export const DEFAULTS = { seed: 42, transactionsPerDay: 2000, ticksPerDay: 300, customers: 200, defectRate: 0.02 };

/** The days one at a time (only the day before is kept), so large runs do not hold every day in memory. */
export function* generateDays(opts: Omit<GenerateOptions, 'landing'>): Generator<GeneratedDay & { customerBase: Customer[] }> {
  assertDate(opts.startDate, 'startDate');
  if (!Number.isInteger(opts.days) || opts.days < 1) throw new Error(`days: expected a whole number >= 1, got ${opts.days}`);
  const seed = opts.seed ?? DEFAULTS.seed;
  const defectRate = opts.defectRate ?? DEFAULTS.defectRate;
  if (!(defectRate >= 0 && defectRate <= 1)) throw new Error(`defectRate: expected 0..1, got ${defectRate}`);
  const base = generateCustomers(seed, opts.customers ?? DEFAULTS.customers, opts.startDate);
  let previous: GeneratedRecord<Transaction>[] | undefined;
  let lateFromPrevious: GeneratedRecord<Transaction>[] = [];
  for (let i = 0; i < opts.days; i++) {
    const date = addDays(opts.startDate, i);
    const { records, late } = generateTransactions({
      seed,
      date,
      count: opts.transactionsPerDay ?? DEFAULTS.transactionsPerDay,
      customers: base,
      defectRate,
      previous,
      allowLate: i < opts.days - 1,
    });
    yield {
      date,
      customerBase: base,
      customers: customerSnapshot(seed, base, date, defectRate),
      fx: fxRates(seed, date),
      delivered: [...records, ...lateFromPrevious],
      ticks: generateTicks({ date, count: opts.ticksPerDay ?? DEFAULTS.ticksPerDay, seed, symbols: opts.symbols, defectRate }),
    };
    previous = [...records, ...late];
    lateFromPrevious = late;
  }
}

export function generateData(opts: Omit<GenerateOptions, 'landing'>): GeneratedData {
  const days: GeneratedDay[] = [];
  let customers: Customer[] = [];
  for (const { customerBase, ...day } of generateDays(opts)) {
    customers = customerBase;
    days.push(day);
  }
  return { seed: opts.seed ?? DEFAULTS.seed, customers, days };
}

function countDefects(into: Partial<Record<DefectKind, number>>, defects: (DefectKind | undefined)[]): void {
  for (const d of defects) if (d) into[d] = (into[d] ?? 0) + 1;
}

export async function generate(opts: GenerateOptions & { s3?: S3Options; store?: ObjectStore }): Promise<GenerateSummary> {
  const store = opts.store ?? openStore(opts.landing, { s3: opts.s3 });
  const files: GeneratedFile[] = [];
  const defects: GenerateSummary['defects'] = { customers: {}, fx_rates: {}, transactions: {}, market_ticks: {} };
  const fieldsOf = (name: string) => dataset(name).sourceFields ?? [];
  const write = async (ds: string, date: string, name: string, format: FileFormat, records: { fields?: Record<string, unknown>; line?: string }[]) => {
    const key = `${ds}/${date}/${name}`;
    await writeRecords(store, key, format, fieldsOf(ds), records);
    files.push({ path: key, dataset: ds, date, format, records: records.length });
  };
  const dates: string[] = [];
  for (const day of generateDays(opts)) {
    dates.push(day.date);
    await write('customers', day.date, 'customers.csv', 'csv', day.customers);
    countDefects(defects.customers, day.customers.map((r) => r.defect));
    await write('fx_rates', day.date, 'fx_rates.csv', 'csv', day.fx.map((r) => ({ fields: { ...r } })));
    const parts: FileFormat[] = ['csv', 'jsonl', 'parquet'];
    for (const [i, format] of parts.entries()) {
      await write('transactions', day.date, `part-${i}.${format}`, format, day.delivered.filter((r) => r.format === format));
    }
    countDefects(defects.transactions, day.delivered.map((r) => r.defect));
    await write('market_ticks', day.date, 'ticks.jsonl', 'jsonl', day.ticks.map((t) => ({ line: t.value })));
    countDefects(defects.market_ticks, day.ticks.map((t) => t.defect));
  }
  const records: Record<string, number> = {};
  for (const f of files) records[f.dataset] = (records[f.dataset] ?? 0) + f.records;
  return { seed: opts.seed ?? DEFAULTS.seed, defectRate: opts.defectRate ?? DEFAULTS.defectRate, symbols: opts.symbols, landing: store.url, dates, files, defects, records };
}
