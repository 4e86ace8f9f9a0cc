/** Calendar-date helpers on 'YYYY-MM-DD' strings, in UTC. Pure: workflow code uses them. */

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(s: unknown): s is string {
  if (typeof s !== 'string' || !DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function assertDate(s: unknown, field: string): string {
  if (!isDate(s)) throw new TypeError(`${field}: expected a date YYYY-MM-DD, got ${JSON.stringify(s)}`);
  return s;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The calendar day before the instant `t`, in UTC: a run at 02:00 processes yesterday. */
export function dayBefore(t: Date): string {
  return addDays(t.toISOString().slice(0, 10), -1);
}

/** Inclusive range of dates; refuses from > to. */
export function dateRange(from: string, to: string): string[] {
  assertDate(from, 'from');
  assertDate(to, 'to');
  if (from > to) throw new RangeError(`from (${from}) is after to (${to})`);
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
