/** Small SQL helpers shared by the layers: quoting, placeholders, view names. */
import { UnknownDataset } from '../errors';

export function ident(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function literal(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

export function dateLiteral(date: string): string {
  return `DATE ${literal(date)}`;
}

/** A temp view name for a task id: 'silver.customers' -> 'r_silver_customers'. */
export function viewName(taskId: string, prefix = 'r'): string {
  return `${prefix}_${taskId.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * Replaces `{{name}}` placeholders; an unknown placeholder is an error naming it (a typo in a
 * declaration must not become silently wrong SQL).
 */
export function fillTemplate(sql: string, values: Record<string, string>, where: string): string {
  return sql.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new UnknownDataset(`${name} (placeholder in ${where})`, Object.keys(values));
    return v;
  });
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * `trim(e)`, with DuckDB's trim run only where it could change the value: DuckDB trims Unicode
 * space separators and costs about as much as a cast, while almost every value is ASCII starting
 * above a space and not ending in one (then trim(e) = e).
 */
export function trimSql(e: string): string {
  return `CASE WHEN ${e} >= '!' AND NOT ends_with(${e}, ' ') AND strlen(${e}) = length(${e}) THEN ${e} ELSE trim(${e}) END`;
}
