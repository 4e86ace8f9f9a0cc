/** Argument parsing shared by the commands: node:util parseArgs, strict, errors that say what to type. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage or input problem: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that ran and failed (a pipeline failed, a service is down): exit code 1. */
export class CommandFailed extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CommandFailed';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(argv: string[], options: O, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''), usage);
  }
}

export function requireDate(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined) throw new UsageError(`missing --${flag} YYYY-MM-DD`, usage);
  return checkDate(value, flag, usage);
}

/** --from and --to, both required, in order. */
export function requireDateRange(values: { from?: string; to?: string }, usage: string): { from: string; to: string } {
  const from = requireDate(values.from, 'from', usage);
  const to = requireDate(values.to, 'to', usage);
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`, usage);
  return { from, to };
}

/** A daily time HH:MM (UTC unless the schedule says otherwise) as the cron expression "M H * * *". */
export function dailyCronAt(value: string | undefined, flag: string, fallback: string, usage: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value ?? fallback);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new UsageError(`--${flag}: expected HH:MM (00:00 to 23:59), got "${value}"`, usage);
  return `${Number(m[2])} ${Number(m[1])} * * *`;
}

export function checkDate(value: string, flag: string, usage: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`--${flag}: expected a date YYYY-MM-DD, got "${value}"`, usage);
  }
  return value;
}

export function optionalInt(value: string | undefined, flag: string, usage: string, min = 1, max = 1_000_000_000): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag}: expected a whole number, got "${value}"`, usage);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${flag}: expected ${min} to ${max}, got ${n}`, usage);
  return n;
}

export function optionalNumber(value: string | undefined, flag: string, usage: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${flag}: expected a number from ${min} to ${max}, got "${value}"`, usage);
  return n;
}

export function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  return items.length ? items : undefined;
}
