/**
 * Writes generated records as landing files (CSV, JSON lines, Parquet) through an ObjectStore,
 * so the landing zone may be a local folder or a bucket. Parquet goes through a short-lived
 * DuckDB instance with the declared column types.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbType, type Field, type ObjectStore } from '../../lakehouse';
import type { FileFormat } from '../types';

export interface FileRecord {
  fields?: Record<string, unknown>;
  /** written verbatim instead of the fields (a malformed line) */
  line?: string;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvText(columns: readonly string[], records: readonly FileRecord[]): string {
  const lines = [columns.join(',')];
  for (const r of records) lines.push(r.line ?? columns.map((c) => csvCell(r.fields?.[c])).join(','));
  return lines.join('\n') + '\n';
}

export function jsonlText(columns: readonly string[], records: readonly FileRecord[]): string {
  return (
    records
      .map((r) => {
        if (r.line !== undefined) return r.line;
        const o: Record<string, unknown> = {};
        for (const c of columns) o[c] = r.fields?.[c] ?? null;
        return JSON.stringify(o);
      })
      .join('\n') + '\n'
  );
}

/** A Parquet file with the fields' types; values that are not of the type are a caller error. */
export async function parquetBytes(fields: readonly Field[], records: readonly FileRecord[]): Promise<Uint8Array> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'financelake-gen-'));
  try {
    const json = path.join(dir, 'rows.jsonl');
    const out = path.join(dir, 'rows.parquet');
    await fs.writeFile(json, jsonlText(fields.map((f) => f.name), records.filter((r) => r.line === undefined)));
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await db.connect();
    try {
      await conn.run("SET TimeZone = 'UTC'");
      const cols = fields.map((f) => `'${f.name}': 'VARCHAR'`).join(', ');
      const select = fields.map((f) => `CAST("${f.name}" AS ${duckdbType(f.type)}) AS "${f.name}"`).join(', ');
      await conn.run(
        `COPY (SELECT ${select} FROM read_json('${json}', format = 'newline_delimited', columns = {${cols}})) TO '${out}' (FORMAT parquet)`,
      );
    } finally {
      conn.closeSync();
      db.closeSync();
    }
    return new Uint8Array(await fs.readFile(out));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function writeRecords(
  store: ObjectStore,
  key: string,
  format: FileFormat,
  fields: readonly Field[],
  records: readonly FileRecord[],
): Promise<void> {
  const columns = fields.map((f) => f.name);
  switch (format) {
    case 'csv':
      return store.put(key, csvText(columns, records));
    case 'jsonl':
      return store.put(key, jsonlText(columns, records));
    case 'parquet':
      return store.put(key, await parquetBytes(fields, records));
  }
}
