/** ajv validation of raw JSON records: errors name the field, validators are compiled once per suite. */
import { describe, expect, it } from 'vitest';
import { jsonValidator, type QualitySuite, SuiteError, validateJsonRecords } from '../../quality';

const suite: QualitySuite = {
  dataset: 'transactions',
  jsonSchema: {
    type: 'object',
    required: ['transaction_id', 'amount', 'ts'],
    properties: {
      transaction_id: { type: 'string', minLength: 1 },
      amount: { type: 'number' },
      ts: { type: 'string', format: 'date-time' },
      email: { type: 'string', format: 'email' },
      tags: { type: 'array', items: { type: 'string' } },
    },
    additionalProperties: false,
  },
  expectations: [],
};

describe('validateJsonRecords', () => {
  it('separates valid from invalid records and names each failing field', () => {
    const records = [
      { rowId: 1, raw: '{"transaction_id":"t1","amount":12.5,"ts":"2024-01-02T10:00:00Z"}' },
      { rowId: 2, raw: '{"transaction_id":"t2","amount":"12.5","ts":"2024-01-02T10:00:00Z"}' },
      { rowId: 3, raw: '{"transaction_id":"t3","amount":1}' },
      { rowId: 4, raw: '{"transaction_id":"t4","amount":1,"ts":"yesterday"}' },
      { rowId: 5, raw: '{"transaction_id":"t5","amount":1,"ts":"2024-01-02T10:00:00Z","extra":1}' },
      { rowId: 6, raw: '{"transaction_id":"t6","amount":1,"ts":"2024-01-02T10:00:00Z","tags":["a",2]}' },
      { rowId: 7, raw: '{"transaction_id":' },
      { rowId: 8, raw: '\uFEFF{"transaction_id":"t8","amount":-0.0,"ts":"2024-01-02T10:00:00+01:00","email":"a@b.example"}' },
      { rowId: 9, raw: '{"transaction_id":"","amount":NaN,"ts":"2024-01-02T10:00:00Z"}' },
      { rowId: 10, raw: '{"transaction_id":"💶","amount":1e308,"ts":"2024-01-02T10:00:00Z","email":"not-an-email"}' },
    ];
    const r = validateJsonRecords(suite, records);
    expect(r.valid).toEqual([1, 8]);
    const errors = Object.fromEntries(r.invalid.map((i) => [i.rowId, i.errors]));
    expect(errors[2]).toEqual(['field /amount: must be number']);
    expect(errors[3]).toEqual(['field /ts: is required']);
    expect(errors[4]).toEqual(['field /ts: must match format "date-time"']);
    expect(errors[5]).toEqual(['field /extra: is not allowed']);
    expect(errors[6]).toEqual(['field /tags/1: must be string']);
    expect(errors[7]![0]).toMatch(/^malformed JSON: /);
    expect(errors[9]![0]).toMatch(/^malformed JSON/); // NaN is not JSON
    expect(errors[10]).toEqual(['field /email: must match format "email"']);
    // every record is accounted for, with its raw text kept
    expect(r.valid.length + r.invalid.length).toBe(records.length);
    expect(r.invalid.find((i) => i.rowId === 7)!.raw).toBe('{"transaction_id":');
  });

  it('without a schema, any JSON object passes and anything else does not', () => {
    const r = validateJsonRecords({ dataset: 'd', expectations: [] }, [
      { rowId: 1, raw: '{"a":1}' },
      { rowId: 2, raw: '[1]' },
      { rowId: 3, raw: 'null' },
      { rowId: 4, raw: '' },
    ]);
    expect(r.valid).toEqual([1]);
    expect(r.invalid.map((i) => [i.rowId, i.errors[0]!.split(':')[0]])).toEqual([
      [2, 'record is not a JSON object'],
      [3, 'record is not a JSON object'],
      [4, 'malformed JSON'],
    ]);
  });

  it('compiles the schema once per suite and refuses a schema that does not compile', () => {
    expect(jsonValidator(suite)).toBe(jsonValidator(suite));
    expect(() => jsonValidator({ dataset: 'bad', jsonSchema: { type: 'nonsense' }, expectations: [] })).toThrow(SuiteError);
    expect(() => jsonValidator({ dataset: 'bad', jsonSchema: { type: 'nonsense' }, expectations: [] })).toThrow(/dataset 'bad'.*jsonSchema/);
  });
});
