import { describe, expect, it } from 'vitest';
import { commitKey, CorruptCommitError, decodePath, encodePath, parseCommit, serializeCommit, type Action } from '../../lakehouse';

const where = { table: 't', version: 3, file: commitKey(3) };

describe('commit files', () => {
  it('round-trips actions as newline-delimited JSON', () => {
    const actions: Action[] = [
      { commitInfo: { timestamp: 1, operation: 'WRITE' } },
      { add: { path: 'date=2024-01-01/a.parquet', partitionValues: { date: '2024-01-01' }, size: 10, modificationTime: 2, dataChange: true, stats: '{"numRecords":1}' } },
      { remove: { path: 'b.parquet', deletionTimestamp: 3, dataChange: true } },
      { txn: { appId: 'app', version: 7 } },
    ];
    const text = serializeCommit(actions);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').filter(Boolean)).toHaveLength(4);
    expect(parseCommit(text, where)).toEqual(actions);
  });

  it('names file and line of a truncated commit', () => {
    const good = JSON.stringify({ commitInfo: { timestamp: 1 } });
    const cut = JSON.stringify({ add: { path: 'x', partitionValues: {}, size: 1, modificationTime: 1, dataChange: true } }).slice(0, 30);
    expect(() => parseCommit(`${good}\n${cut}`, where)).toThrowError(CorruptCommitError);
    expect(() => parseCommit(`${good}\n${cut}`, where)).toThrowError(/version 3 \(_delta_log\/00000000000000000003\.json, line 2\): truncated/);
  });

  it('refuses actions missing required fields', () => {
    expect(() => parseCommit('{"add":{"path":"x"}}\n', where)).toThrowError(/add\.size must be a number/);
    expect(() => parseCommit('[1,2]\n', where)).toThrowError(/line 1.*not a JSON object/);
  });

  it('ignores unknown action types, as readers must', () => {
    expect(parseCommit('{"futureAction":{"x":1}}\n{"txn":{"appId":"a","version":1}}\n', where)).toEqual([{ txn: { appId: 'a', version: 1 } }]);
  });

  it('URL-encodes paths per segment and decodes back to the store key', () => {
    const key = 's=a%20b%2Fc/region=EU West/part 1.parquet';
    const enc = encodePath(key);
    expect(enc).toBe('s=a%2520b%252Fc/region=EU%20West/part%201.parquet');
    expect(decodePath(enc)).toBe(key);
  });
});
