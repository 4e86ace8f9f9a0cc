/**
 * The bad-input corpus (test/fixtures/bad-input/) read with bronze's own readers (pipeline's
 * parseCsv / parseJsonLines: every field text, unreadable lines kept as records with a reason;
 * Parquet through DuckDB with every column cast to text), typed with TRY_CAST as silver does, and evaluated.
 * Every record is accounted for: passed, or quarantined with a reason, or the whole file refused
 * with an error naming it. Expected survivors are stated per file from what the file holds.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../lakehouse';
import { evaluate } from '../../quality';
import { CORPUS, CORPUS_DIR as DIR, CORPUS_NOW, CORPUS_SUITE, corpusBatch, newConnection, type RawFormat, recordsIn, rowsOf } from './quality-batch';

let engine: Engine;
let conn: DuckDBConnection;
beforeAll(async () => {
  ({ engine, conn } = await newConnection());
});
afterAll(async () => {
  conn?.closeSync();
  await engine?.close();
});

let n = 0;
/** Read, type, evaluate: what bronze + silver do to one file. */
async function ingest(file: string, format: RawFormat) {
  const tag = `f${++n}`;
  const { read, batch } = await corpusBatch(conn, file, format, tag);
  const result = await evaluate({ conn, suite: { dataset: 'transactions', expectations: CORPUS_SUITE }, batchView: batch, now: CORPUS_NOW, viewPrefix: tag });
  return { read, result };
}

describe('bad-input corpus', () => {
  it.each(CORPUS)('$file: every record is passed or quarantined with a reason', async ({ file, format, passed, records }) => {
    const { read, result } = await ingest(file, format);
    const expectedRecords = records ?? recordsIn(file, format);
    expect(read.rows).toBe(expectedRecords);
    expect(result.rowsIn).toBe(expectedRecords);
    expect(result.passed + result.dropped).toBe(expectedRecords);
    const kept = await rowsOf(conn, `SELECT transaction_id FROM ${result.passedView} ORDER BY _row_id`);
    expect(kept.map((r) => r.transaction_id)).toEqual(passed);
    const failures = await rowsOf(conn, `SELECT _raw, rules, messages FROM ${result.failuresView}`);
    expect(failures).toHaveLength(expectedRecords - passed.length);
    for (const f of failures) {
      expect((f.rules as string[]).length).toBeGreaterThan(0);
      expect((f.messages as string[]).length).toBe((f.rules as string[]).length);
      expect(typeof f._raw).toBe('string');
    }
    expect(result.fatal).toEqual([]);
  });

  it('a truncated Parquet file is refused with an error naming the file', async () => {
    const err = await ingest('truncated.parquet', 'parquet').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`${join(DIR, 'truncated.parquet')}: cannot read Parquet`);
  });

  it('unreadable lines carry the reader’s reason and the line as it was', async () => {
    const { result } = await ingest('malformed.jsonl', 'jsonl');
    const rows = await rowsOf(conn, `SELECT _raw, messages FROM ${result.failuresView} WHERE list_contains(rules, 'record_readable') ORDER BY _row_id`);
    expect(rows.map((r) => r._raw)).toEqual([
      '{"transaction_id":"T2","customer_id":"C1","ts":"2024-01-02T10:00:00Z","amount":11,',
      '[1,2,3]',
      '"just a string"',
      "{transaction_id: 'T8'}",
      '{"transaction_id":"T10","customer_id":"C1","ts":"2024-01-0',
    ]);
    expect(rows.map((r) => (r.messages as string[])[0])).toEqual([
      'record_readable: expression is false: _read_error IS NULL',
      'record_readable: expression is false: _read_error IS NULL',
      'record_readable: expression is false: _read_error IS NULL',
      'record_readable: expression is false: _read_error IS NULL',
      'record_readable: expression is false: _read_error IS NULL',
    ]);
    const read = await rowsOf(conn, `SELECT _line, _error FROM f${n}_raw WHERE _error IS NOT NULL ORDER BY _line`);
    expect(read.map((r) => Number(r._line))).toEqual([2, 3, 4, 8, 10]);
    for (const r of read) expect(String(r._error)).toMatch(new RegExp(`^malformed\\.jsonl line ${Number(r._line)}: (malformed JSON|expected a JSON object)`));
  });

  it('a CSV line with too many or too few fields, or an open quote, is kept raw with the reader’s reason', async () => {
    await ingest('ragged.csv', 'csv');
    const rows = await rowsOf(conn, `SELECT _raw, _error FROM f${n}_raw WHERE _error IS NOT NULL ORDER BY _line`);
    expect(rows.map((r) => r._raw)).toEqual(['T2,C1,2024-01-02T10:00:00Z,11,EUR,extra', 'T3,C1', 'T5,C1,2024-01-02T10:00:00Z,"13,USD']);
    expect(rows.map((r) => String(r._error))).toEqual([
      'ragged.csv line 3: expected 5 fields (transaction_id,customer_id,ts,amount,currency), found 6',
      'ragged.csv line 4: expected 5 fields (transaction_id,customer_id,ts,amount,currency), found 2',
      'ragged.csv line 6: unterminated quoted field',
    ]);
  });

  it('keeps text byte for byte: BOM and CR stripped from the structure, unicode intact in values', async () => {
    const bom = await ingest('bom.csv', 'csv');
    expect(bom.read.columns[0]).toBe('transaction_id');
    expect(bom.result.passed).toBe(2);
    const crlf = await ingest('crlf.csv', 'csv');
    const cur = await rowsOf(conn, `SELECT currency FROM f${n}_raw ORDER BY transaction_id`);
    expect(cur.map((r) => r.currency)).toEqual(['USD', 'EUR', 'XXX']);
    expect(crlf.result.dropped).toBe(1);
    const uni = await ingest('unicode.csv', 'csv');
    const raw = await rowsOf(conn, `SELECT _raw FROM ${uni.result.passedView} ORDER BY _row_id`);
    // _raw is the line exactly as delivered
    const lines = readFileSync(join(DIR, 'unicode.csv'), 'utf8').split('\n');
    expect(raw.map((r) => r._raw)).toEqual(lines.slice(1, 7));
    expect(String(raw[1]!._raw).startsWith('T-😀,')).toBe(true);
    const dup = await rowsOf(conn, `SELECT rules FROM ${uni.result.failuresView} ORDER BY _row_id`);
    expect(dup.map((r) => r.rules)).toEqual([['transaction_id_unique'], ['currency_known']]);
  });

  it('empty strings and NULLs: both missing for not_null with treatEmptyAsNull, warn rules keep the row', async () => {
    const { result } = await ingest('empty-vs-null.csv', 'csv');
    const warned = result.outcomes.find((o) => o.expectation === 'customer_present')!;
    expect(warned).toMatchObject({ outcome: 'warned', failed: 1 });
    const idMissing = result.outcomes.find((o) => o.expectation === 'transaction_id_present')!;
    expect(idMissing.failed).toBe(3); // unquoted empty, blanks, quoted empty
  });
});
