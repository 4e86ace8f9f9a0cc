import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareKeys, HdfsStore, keyProblem, LocalStore, openStore, parseHdfsUrl, parseS3Url, S3Store, StorageError, storeKind } from '../../lakehouse/storage';
import { isTempName, scopePrefix, tempName } from '../../lakehouse/storage/keys';

describe('keys', () => {
  it('accepts Hive partition keys with "=", spaces, "+", "%" and unicode', () => {
    for (const k of ['a', 'date=2024-01-01/part-0.parquet', 'region=EU West/x+y%.json', 'ünï/€', '_delta_log/00000000000000000000.json', '.hidden']) {
      expect(keyProblem(k), k).toBeUndefined();
    }
  });

  it('refuses empty, absolute, folder-like, dot-segment, backslash and control-character keys', () => {
    for (const k of ['', '/a', 'a/', 'a//b', './a', 'a/../b', '..', 'a\\b', 'a\nb', 'a\u0000b']) {
      expect(keyProblem(k), JSON.stringify(k)).toBeDefined();
    }
  });

  it('orders by code point (UTF-8 byte order), not by UTF-16 code unit', () => {
    const astral = '\u{1F600}'; // a surrogate pair in UTF-16
    const bmpHigh = '\uFF21'; // above the surrogate range
    expect(compareKeys(`a${bmpHigh}`, `a${astral}`)).toBeLessThan(0); // '<' would say the opposite
    expect(`a${bmpHigh}` < `a${astral}`).toBe(false);
    expect(compareKeys('a-c', 'a/b')).toBeLessThan(0);
    expect(compareKeys('a/b', 'a/b/c')).toBeLessThan(0);
    expect(compareKeys('x', 'x')).toBe(0);
    const sorted = ['b', 'a/b', `a${astral}`, 'a-c', `a${bmpHigh}`, 'a'].sort(compareKeys);
    expect(sorted).toEqual(['a', 'a-c', 'a/b', `a${bmpHigh}`, `a${astral}`, 'b']);
  });

  it('makes unique hidden temp names that list() can recognise', () => {
    const a = tempName('00000000000000000001.json');
    const b = tempName('00000000000000000001.json');
    expect(a).not.toBe(b);
    expect(isTempName(a)).toBe(true);
    expect(isTempName('00000000000000000001.json')).toBe(false);
    expect(isTempName('.hidden')).toBe(false);
    const long = tempName(`${'ü'.repeat(120)}.json`); // 241 bytes: a legal name on its own
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(isTempName(long)).toBe(true);
  });

  it('normalises scope prefixes', () => {
    expect(scopePrefix('s', '')).toBe('');
    expect(scopePrefix('s', '/a/b/')).toBe('a/b/');
    expect(scopePrefix('s', 'a')).toBe('a/');
    expect(() => scopePrefix('s', 'a/../b')).toThrow(StorageError);
  });
});

describe('store URLs', () => {
  it('parses s3://bucket/prefix', () => {
    expect(parseS3Url('s3://financelake')).toEqual({ bucket: 'financelake', prefix: '' });
    expect(parseS3Url('s3://financelake/warehouse/x/')).toEqual({ bucket: 'financelake', prefix: 'warehouse/x/' });
    expect(() => parseS3Url('s3://')).toThrow(StorageError);
    expect(() => parseS3Url('s3://Bad_Bucket/x')).toThrow(/invalid bucket/);
  });

  it('parses hdfs:// (RPC port in the URL, HTTP port from options) and webhdfs:// (HTTP port in the URL)', () => {
    expect(parseHdfsUrl('hdfs://namenode:9000/financelake-data')).toEqual({ scheme: 'hdfs', host: 'namenode', port: 9000, httpPort: 9870, path: '/financelake-data' });
    expect(parseHdfsUrl('hdfs://127.0.0.1:8020/a/b/', 19870)).toMatchObject({ httpPort: 19870, path: '/a/b' });
    expect(parseHdfsUrl('webhdfs://h:50070/x', 9870)).toMatchObject({ scheme: 'webhdfs', port: 50070, httpPort: 50070, path: '/x' });
    expect(parseHdfsUrl('hdfs://h')).toMatchObject({ port: undefined, path: '' });
    expect(() => parseHdfsUrl('hdfs:///no-host')).toThrow(StorageError);
    expect(() => parseHdfsUrl('hdfs://h/a/../b')).toThrow(StorageError);
  });

  it('openStore picks the backend from the location', () => {
    expect(storeKind('/abs')).toBe('local');
    expect(storeKind('rel/dir')).toBe('local');
    expect(storeKind('file:///tmp/x')).toBe('local');
    expect(storeKind('s3://b/p')).toBe('s3');
    expect(storeKind('hdfs://h:8020/p')).toBe('hdfs');
    expect(storeKind('webhdfs://h:9870/p')).toBe('hdfs');
    expect(() => storeKind('gs://b/p')).toThrow(/unsupported store URL scheme/);

    const local = openStore('file:///tmp/with%20space/wh');
    expect(local).toBeInstanceOf(LocalStore);
    expect((local as LocalStore).root).toBe('/tmp/with space/wh');
    expect(local.url).toBe('file:///tmp/with%20space/wh');
    expect((openStore('rel/wh', { cwd: '/srv' }) as LocalStore).root).toBe(path.resolve('/srv/rel/wh'));

    const s3 = openStore('s3://financelake/wh', { s3: { endpoint: 'http://127.0.0.1:1' } });
    expect(s3).toBeInstanceOf(S3Store);
    expect(s3.url).toBe('s3://financelake/wh');
    expect(s3.directPath('t/x.parquet')).toBe('s3://financelake/wh/t/x.parquet');
    (s3 as S3Store).destroy();

    const hdfs = openStore('hdfs://nn:8020/financelake-data', { hdfs: { httpPort: 1 } });
    expect(hdfs).toBeInstanceOf(HdfsStore);
    expect(hdfs.url).toBe('hdfs://nn:8020/financelake-data');
    expect(hdfs.scoped('bronze/trades').url).toBe('hdfs://nn:8020/financelake-data/bronze/trades');
    expect(hdfs.directPath('x')).toBeUndefined();
  });
});
