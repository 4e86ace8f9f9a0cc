/**
 * Bronze stages CSV and JSON lines in DuckDB straight from the file (stage-files.ts). The JS
 * readers in raw-records.ts are the reference: for every file of the bad-input corpus and the
 * tricky cases below, the staged rows must be the reference's records — same count (every record
 * accounted for), same line, raw text, field values and parse error (JSON errors by their kind).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../lakehouse';
import { parseCsv, parseJsonLines } from '../../pipeline/run/raw-records';
import { rawTextSpecOf, rawTextSql } from '../../pipeline/run/raw-text';
import { createStage } from '../../pipeline/run/stage';
import { literal, trimSql } from '../../pipeline/run/sql';
import { stageTextFile } from '../../pipeline/run/stage-files';
import type { DatasetDeclaration } from '../../pipeline/types';
import type { RawTextSpec } from '../../pipeline/run/raw-text';
import { newConnection, rowsOf } from './quality-batch';

const DIR = join(__dirname, '..', 'fixtures', 'bad-input');
const FIELDS = ['transaction_id', 'customer_id', 'ts', 'amount', 'currency', 'a', 'b', 'c', 'd', 'e'];
const declOf = (fields: string[]) => ({ name: 't', sourceFields: fields.map((name) => ({ name, type: 'string' })), dateFrom: 'ts' }) as unknown as DatasetDeclaration;
const decl = declOf(FIELDS);
/** The corpus's CSV header: declared in this order, plain lines are stored without their text (rawTextSql rebuilds it). */
const HEADER_ORDER = declOf(['transaction_id', 'customer_id', 'ts', 'amount', 'currency']);

let engine: Engine;
let conn: DuckDBConnection;
const tmp = mkdtempSync(join(tmpdir(), 'stage-files-'));
beforeAll(async () => {
  ({ engine, conn } = await newConnection());
  await conn.run("SET TimeZone = 'UTC'");
});
afterAll(async () => {
  conn?.closeSync();
  await engine?.close();
});

/** What the stage holds for a file, as RawRecord-like rows in line order; `raw` is the record text as silver reads it, `stored` the `_raw` column. */
async function staged(path: string, key: string, format: 'csv' | 'jsonl', d = decl, rawText: RawTextSpec | null = rawTextSpecOf(d)) {
  await createStage(conn, 'st', d, { withDate: true });
  await stageTextFile(conn, d, format, { local: path, key, fileDate: '2024-01-02', ingestDate: '2024-01-05', rawText: rawText ?? undefined }, async (select) => {
    await conn.run(`INSERT INTO st ${select}`);
  });
  const rows = await rowsOf(conn, `SELECT *, ${rawTextSql(rawTextSpecOf(d))} AS __text FROM st ORDER BY _line`);
  return rows.map((r) => ({
    line: Number(r._line),
    raw: r.__text as string,
    stored: r._raw as string | null,
    parseError: r._parse_error as string | null,
    fields: Object.fromEntries(FIELDS.map((f) => [f, (r[f] ?? null) as string | null])),
    source: r._source as string,
    date: r._date as string,
  }));
}

/**
 * JSON numbers compare by value: DuckDB writes a JSON number's text its own way ('100.0' for 1e2,
 * '1e309' where JS says 'Infinity'); silver types both the same.
 */
const numeric = (v: string | null, json: boolean) => (json && v !== null && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v);
const normalise = (records: { line: number; raw: string; parseError: string | null; fields: Record<string, string | null> }[], json: boolean) =>
  records.map((r) => ({ line: r.line, raw: r.raw, parseError: r.parseError, fields: Object.fromEntries(FIELDS.map((f) => [f, numeric(r.fields[f] ?? null, json)])) }));
/** JSON errors compare by kind: the reference carries V8's wording after "malformed JSON". */
const kind = (e: string | null) => e?.replace(/malformed JSON .*/, 'malformed JSON');

async function compare(path: string, key: string, format: 'csv' | 'jsonl', d = decl) {
  const text = readFileSync(path, 'utf8');
  const json = format === 'jsonl';
  const want = normalise(json ? parseJsonLines(text, key) : parseCsv(text, key), json);
  const got = await staged(path, key, format, d);
  expect(got.length).toBe(want.length);
  expect(got.map((r) => r.source)).toEqual(want.map((r) => `${key}:${r.line}`));
  expect(normalise(got, json).map((r) => ({ ...r, parseError: kind(r.parseError) }))).toEqual(
    want.map((r) => ({ ...r, parseError: kind(r.parseError) })),
  );
  return got;
}

const corpus = readdirSync(DIR).filter((f) => /\.(csv|jsonl)$/.test(f));

describe('DuckDB staging of text files matches the reference readers', () => {
  it.each(corpus)('%s', async (file) => {
    await compare(join(DIR, file), `landing/${file}`, file.endsWith('.csv') ? 'csv' : 'jsonl');
  });

  it.each(corpus.filter((f) => f.endsWith('.csv')))('%s, declared in its header order: only lines that are not their fields keep their text', async (file) => {
    const got = await compare(join(DIR, file), `landing/${file}`, 'csv', HEADER_ORDER);
    for (const r of got) expect(r.stored, `line ${r.line}`).toBe(r.parseError === null && !r.raw.includes('"') ? null : r.raw);
  });

  it('without a rule from the table (made before it, or the declaration changed since), every record keeps its text', async () => {
    const path = join(tmp, 'norule.csv');
    writeFileSync(path, 'transaction_id,customer_id,ts,amount,currency\nT1,C1,2024-01-02T10:00:00Z,10,USD\n');
    expect((await staged(path, 'n.csv', 'csv', HEADER_ORDER, null)).map((r) => r.stored)).toEqual(['T1,C1,2024-01-02T10:00:00Z,10,USD']);
  });

  it('a CSV header in another order, or with other columns, keeps every line', async () => {
    const path = join(tmp, 'order.csv');
    writeFileSync(path, 'customer_id,transaction_id,ts,amount,currency\nC1,T1,2024-01-02T10:00:00Z,10,USD\n');
    expect((await staged(path, 'o.csv', 'csv', HEADER_ORDER)).map((r) => [r.stored, r.raw])).toEqual([['C1,T1,2024-01-02T10:00:00Z,10,USD', 'C1,T1,2024-01-02T10:00:00Z,10,USD']]);
    writeFileSync(path, 'transaction_id,customer_id,ts,amount,currency\nT1,,2024-01-02T10:00:00Z,10,USD\nT2,"C,2",,1,EUR\n');
    expect((await staged(path, 'o.csv', 'csv', HEADER_ORDER)).map((r) => [r.stored, r.raw])).toEqual([
      [null, 'T1,,2024-01-02T10:00:00Z,10,USD'],
      ['T2,"C,2",,1,EUR', 'T2,"C,2",,1,EUR'],
    ]);
  });

  it('a JSON line that is exactly its declared fields in order is not stored; any other form is', async () => {
    const typed = { ...HEADER_ORDER, sourceFields: HEADER_ORDER.sourceFields!.map((f) => (f.name === 'amount' ? { ...f, type: 'double' } : f)) } as DatasetDeclaration;
    const lines = [
      '{"transaction_id":"T1","customer_id":"C1","ts":"2024-01-02T10:00:00Z","amount":10.5,"currency":"USD"}',
      '{"transaction_id":"T2","customer_id":null,"ts":"2024-01-02T10:00:00Z","amount":"7","currency":"EUR"}',
      '{"customer_id":"C3","transaction_id":"T3","ts":"2024-01-02T10:00:00Z","amount":1,"currency":"USD"}',
      '{"transaction_id": "T4","customer_id":"C4","ts":"2024-01-02T10:00:00Z","amount":1,"currency":"USD"}',
      '{"transaction_id":"T5 \\"q\\" é/😀","customer_id":"C5","ts":"x","amount":1e2,"currency":"USD","extra":1}',
      '{"transaction_id":"T6","customer_id":null,"ts":null,"amount":-0.25,"currency":"US\\u0044"}',
      '{"transaction_id":"T7","customer_id":"C7","ts":"2024-01-02T10:00:00Z","amount":2,"currency":"USD"}',
    ];
    const path = join(tmp, 'plain.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    const got = await staged(path, 'p.jsonl', 'jsonl', typed);
    expect(got.map((r) => r.raw)).toEqual(lines);
    expect(got.map((r) => r.stored === null)).toEqual([true, false, false, false, false, false, true]);
  });

  const cases: [string, string, 'csv' | 'jsonl'][] = [
    ['quoted, BOM, CRLF, empty cells', '\ufeffa,b,c\r\n1,"x, ""y""",\r\n2,"",z\r\n', 'csv'],
    ['wrong field counts', 'a,b,c\n1,2\n1,2,3,4\n#garbage#\n5,6,7\n', 'csv'],
    ['multi-line quoted field and blank lines', 'a,b\n\n"two\nlines",1\n\n3,4\n"x\n\ny",5\n', 'csv'],
    ['unterminated quote', 'a,b\n1,2\n"open,1\n3,4\n', 'csv'],
    ['text after a closing quote', 'a,b\n"x"y,1\n2,"3"\n', 'csv'],
    ['a quote inside an unquoted cell', 'a,b\nab"c"d,1\n', 'csv'],
    ['header only, no newline', 'a,b', 'csv'],
    ['NaN and Infinity are not JSON, inside strings they are text', '{"a":NaN}\n{"a":-Infinity}\n{"a":"NaN","b":"inf"}\n{"a":1e309,"b":1e2}\n', 'jsonl'],
    ['JSON kinds', '{"a":1.50,"b":"x","c":null,"d":true,"e":{"k":1}}\n\n{"a":\n[1,2]\n"s"\n7\nnull\n{"b":"é😀"}', 'jsonl'],
    ['JSON keys: case, escapes, nesting', '{"A":"upper","a":"lower"}\n{"c":"x\\"y\\u00e9"}\n{"d":[{"k":"v"}],"e":""}\n', 'jsonl'],
  ];
  it.each(cases)('%s', async (name, text, format) => {
    const path = join(tmp, `${name.replace(/\W+/g, '-')}.${format}`);
    writeFileSync(path, text);
    await compare(path, 'k', format);
  });

  it("a JSON line with a key twice keeps the first value (DuckDB's reader; JSON.parse would keep the last)", async () => {
    const path = join(tmp, 'dup.jsonl');
    writeFileSync(path, '{"a":"first","b":"1","a":"last"}\n');
    const got = await staged(path, 'dup.jsonl', 'jsonl');
    expect(got.map((r) => [r.fields.a, r.fields.b, r.parseError])).toEqual([['first', '1', null]]);
  });

  it('computes the business date once: from ts, else the file date', async () => {
    const path = join(tmp, 'dates.csv');
    writeFileSync(path, 'transaction_id,ts\nT1,2024-01-01T23:30:00-02:00\nT2,not a time\nT3,\nT4, 2023-12-30T01:00:00Z \nT5,\t2023-12-29\t\n');
    const got = await staged(path, 'd.csv', 'csv');
    expect(got.map((r) => r.date)).toEqual(['2024-01-02', '2024-01-02', '2024-01-02', '2023-12-30', '2024-01-02']); // spaces are trimmed, tabs are not
    writeFileSync(path, 'transaction_id,ts\nT1,2023-12-31T10:00:00Z\n');
    expect((await staged(path, 'd.csv', 'csv')).map((r) => r.date)).toEqual(['2023-12-31']);
  });

  it('trimSql gives what trim gives, for every kind of edge', async () => {
    // DuckDB's trim strips the Unicode space separators (not tabs or line breaks)
    const spaces = [' ', '\u00a0', '\u1680', '\u2000', '\u200a', '\u202f', '\u205f', '\u3000', '\t', '\n', '\r'];
    const values = ['', 'x', 'a b', 'é', '!', '~x~', ...spaces.flatMap((c) => [c, `${c}x`, `x${c}`, `${c}x${c}`, `é${c}`, `${c}é`])];
    const rows = await rowsOf(
      conn,
      `SELECT v, trim(v) AS want, ${trimSql('v')} AS got FROM (SELECT unnest([${values.map(literal).join(', ')}, NULL]) AS v)`,
    );
    expect(rows.length).toBe(values.length + 1);
    expect(rows.filter((r) => r.got !== r.want)).toEqual([]);
    expect(rows.filter((r) => r.want !== r.v).length).toBeGreaterThan(20); // the edges do change under trim
  });

  it('a line DuckDB cannot read as text (invalid UTF-8, over its line size) is kept with a read error, later lines keep their numbers', async () => {
    const path = join(tmp, 'unreadable.csv');
    const long = 'T3,' + 'z'.repeat(2_100_000);
    writeFileSync(path, Buffer.concat([Buffer.from('a,b\nT1,1\n'), Buffer.from([0x54, 0x32, 0xff, 0x2c, 0x32, 0x0a]), Buffer.from(`${long}\n\nT4\u001fx,4\nT5,5\n`)]));
    const got = await staged(path, 'u.csv', 'csv');
    expect(got.map((r) => [r.line, r.parseError?.replace(/\(.*\)/, '(…)') ?? null])).toEqual([
      [2, null],
      [3, 'u.csv line 3: cannot read the line (…)'],
      [4, 'u.csv line 4: cannot read the line (…)'],
      [6, null],
      [7, null],
    ]);
    expect(got[1]!.parseError).toMatch(/unicode|utf-?8|encoding/i);
    expect(got[3]!.raw).toBe('T4\u001fx,4');
    expect(got.map((r) => r.fields.a)).toEqual(['T1', null, null, 'T4\u001fx', 'T5']);
  });
});
