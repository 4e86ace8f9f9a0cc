import { describe, expect, it } from 'vitest';
import { parseCsv, parseJsonLines, parseJsonRecord } from '../../pipeline/run/raw-records';

describe('parseCsv', () => {
  it('reads quoted fields, BOM, CRLF, and empty cells as NULL', () => {
    const rows = parseCsv('\ufeffa,b,c\r\n1,"x, ""y""",\r\n2,"",z\r\n', 'f.csv');
    expect(rows.map((r) => r.fields)).toEqual([
      { a: '1', b: 'x, "y"', c: null },
      { a: '2', b: '', c: 'z' },
    ]);
    expect(rows.map((r) => [r.line, r.raw])).toEqual([
      [2, '1,"x, ""y""",'],
      [3, '2,"",z'],
    ]);
  });

  it('keeps a record with the wrong field count raw, with the file, line and counts', () => {
    const rows = parseCsv('a,b,c\n1,2\n1,2,3,4\n#garbage#\n5,6,7\n', 'in/x.csv');
    expect(rows.map((r) => r.parseError)).toEqual([
      'in/x.csv line 2: expected 3 fields (a,b,c), found 2',
      'in/x.csv line 3: expected 3 fields (a,b,c), found 4',
      'in/x.csv line 4: expected 3 fields (a,b,c), found 1',
      null,
    ]);
    expect(rows[1].raw).toBe('1,2,3,4');
    expect(rows[3].fields).toEqual({ a: '5', b: '6', c: '7' });
  });

  it('handles multi-line quoted fields, unterminated quotes, header-only and empty files', () => {
    const rows = parseCsv('a,b\n"two\nlines",1\n3,4\n', 'f.csv');
    expect(rows.map((r) => [r.line, r.fields.a])).toEqual([
      [2, 'two\nlines'],
      [4, '3'],
    ]);
    expect(parseCsv('a,b\n"open,1\n', 'f.csv')[0].parseError).toMatch(/line 2: unterminated quoted field/);
    expect(parseCsv('a,b\n', 'f.csv')).toEqual([]);
    expect(parseCsv('', 'f.csv')).toEqual([]);
  });
});

describe('JSON records', () => {
  it('keeps values as text and the line as raw', () => {
    const [r] = parseJsonLines('{"a":1.50,"b":"x","c":null,"d":true,"e":{"k":1}}\n\n', 'f.jsonl');
    expect(r.fields).toEqual({ a: '1.5', b: 'x', c: null, d: 'true', e: '{"k":1}' });
    expect(r.raw).toBe('{"a":1.50,"b":"x","c":null,"d":true,"e":{"k":1}}');
  });

  it('marks malformed JSON and non-objects with where they came from', () => {
    const rows = parseJsonLines('{"a":\n[1,2]\n"s"\n', 'f.jsonl');
    expect(rows.map((r) => r.parseError)).toEqual([
      expect.stringMatching(/^f\.jsonl line 1: malformed JSON/),
      'f.jsonl line 2: expected a JSON object, got an array',
      'f.jsonl line 3: expected a JSON object, got string',
    ]);
    expect(parseJsonRecord('{}', 5, 't/0/5').parseError).toBeNull();
  });
});
