/** SQL text helpers shared by quality/ modules. */
import { duckdbType, isDeltaType } from '../lakehouse';

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function lit(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A JS number or string as a DuckDB literal cast to `type`. */
export function typedLit(value: string | number, type: string): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return `CAST(${String(value)} AS ${type})`;
  }
  return `CAST(${lit(value)} AS ${type})`;
}

/** DuckDB type for a Delta type name; DuckDB type names pass through unchanged. */
export function duckType(type: string): string {
  const t = type.trim();
  // Delta names are lower case (decimal spelled in any case); anything else is already DuckDB's.
  const delta = t.replace(/^decimal/i, 'decimal');
  return isDeltaType(delta) ? duckdbType(delta) : t;
}

export type TypeClass = 'numeric' | 'temporal' | 'string' | 'boolean' | 'other';

export function typeClass(type: string): TypeClass {
  const t = duckType(type).toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/.test(t)) return 'numeric';
  if (/^(DATE|TIMESTAMP|TIME)/.test(t)) return 'temporal';
  if (t === 'VARCHAR' || t.startsWith('VARCHAR')) return 'string';
  if (t === 'BOOLEAN') return 'boolean';
  return 'other';
}

/** Short, single-line rendering of a DuckDB error for messages. */
export function errText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 300);
}
