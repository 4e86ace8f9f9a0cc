/**
 * The ObjectStore contract, one suite run against every backend on real servers:
 * local disk, MinIO (S3 API) and HDFS (NameNode + DataNode over WebHDFS).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HdfsStore, LocalStore, NotFoundError, S3Store, StorageError, type ObjectStore } from '../../lakehouse/storage';
import { loadConfig } from '../../config/env';
import { BACKENDS, disposeStores, freshLocation, freshStore, hdfsOptions, s3Options } from '../helpers/stores';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What the backend really holds in a folder, temp files included (S3 has none to hide). */
async function rawNames(store: ObjectStore, dir: string): Promise<string[]> {
  if (store instanceof LocalStore) return (await fs.readdir(path.join(store.root, dir))).sort();
  if (store instanceof HdfsStore) {
    const res = await fetch(`http://127.0.0.1:${hdfsOptions().httpPort}/webhdfs/v1${store.rootPath}/${dir}?op=LISTSTATUS&user.name=${hdfsOptions().user}`);
    const body = (await res.json()) as { FileStatuses: { FileStatus: { pathSuffix: string }[] } };
    return body.FileStatuses.FileStatus.map((f) => f.pathSuffix).sort();
  }
  return (await store.list(`${dir}/`)).map((o) => o.key.slice(dir.length + 1));
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'financelake-storage-contract-'));
});
afterAll(async () => {
  await disposeStores();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe.each(BACKENDS)('ObjectStore contract on %s', (kind) => {
  let store: ObjectStore;
  beforeAll(async () => {
    store = await freshStore(kind, 'contract');
  });

  it('puts and gets strings and binary bytes, and put replaces the whole object', async () => {
    const bin = randomBytes(4096);
    await store.put('rt/bin', bin);
    expect(sha(await store.get('rt/bin'))).toBe(sha(bin));

    await store.put('rt/doc.json', '{"a":1,"long":"xxxxxxxxxxxxxxxx"}');
    await store.put('rt/doc.json', '{"a":2}'); // shorter: no bytes of the old version may survive
    expect(text(await store.get('rt/doc.json'))).toBe('{"a":2}');
    expect((await store.head('rt/doc.json'))?.size).toBe(7);

    await store.put('rt/empty', new Uint8Array(0));
    expect((await store.get('rt/empty')).byteLength).toBe(0);
  });

  it('reads byte ranges, clamped to the end of the object', async () => {
    const body = Buffer.from('0123456789abcdefghij');
    await store.put('range/obj', body);
    expect(text(await store.get('range/obj', { offset: 5, length: 4 }))).toBe(body.subarray(5, 9).toString());
    expect(text(await store.get('range/obj', { offset: 0, length: 1 }))).toBe('0');
    expect(text(await store.get('range/obj', { offset: 15, length: 100 }))).toBe(body.subarray(15).toString());
    expect((await store.get('range/obj', { offset: body.length, length: 10 })).byteLength).toBe(0);
    expect((await store.get('range/obj', { offset: 3, length: 0 })).byteLength).toBe(0);
    await expect(store.get('range/missing', { offset: 0, length: 4 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('putIfAbsent creates once and refuses an existing key, keeping the first body', async () => {
    expect(await store.putIfAbsent('pia/00000000000000000000.json', 'first')).toBe(true);
    expect(await store.putIfAbsent('pia/00000000000000000000.json', 'second')).toBe(false);
    expect(text(await store.get('pia/00000000000000000000.json'))).toBe('first');
    await store.put('pia/existing', 'x');
    expect(await store.putIfAbsent('pia/existing', 'y')).toBe(false);
  });

  it('concurrent putIfAbsent on one key: exactly one winner, and readers only ever see a whole body', async () => {
    const key = 'race/00000000000000000001.json';
    // Bodies large enough to span many network writes, each filled with its racer's id. (A plain
    // WebHDFS CREATE overwrite=false on the final name fails this: readers catch the file half-written.)
    const bodies = Array.from({ length: 8 }, (_, i) => Buffer.alloc(1024 * 1024, 65 + i));
    const seen: string[] = [];
    let racing = true;
    const reader = (async () => {
      while (racing) {
        try {
          seen.push(sha(await store.get(key)));
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
    })();
    const results = await Promise.all(bodies.map((b) => store.putIfAbsent(key, b)));
    racing = false;
    await reader;
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = bodies[results.indexOf(true)];
    expect(sha(await store.get(key))).toBe(sha(winner));
    for (const s of seen) expect(s).toBe(sha(winner));
    expect(await rawNames(store, 'race')).toEqual(['00000000000000000001.json']); // losers cleaned up their staged copies
  });

  it('put replaces atomically: a reader sees the old or the new body, never a mix or a truncation', async () => {
    const key = '_last_checkpoint';
    const bodies = Array.from({ length: 5 }, (_, i) => Buffer.alloc(256 * 1024, 97 + i));
    const valid = new Set(bodies.map(sha));
    await store.put(key, bodies[0]);
    let writing = true;
    const seen: string[] = [];
    const reader = (async () => {
      while (writing) seen.push(sha(await store.get(key))); // never NotFound: the key always exists
    })();
    for (const b of bodies.slice(1)) await store.put(key, b);
    writing = false;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(valid.has(s)).toBe(true);
    expect(sha(await store.get(key))).toBe(sha(bodies[4]));
  });

  it('lists by prefix: recursive, sorted by key, with sizes, partial names and nothing else', async () => {
    // Inserted out of order. (No key is also a folder of another key: see ObjectStore.)
    const keys = ['ls/b/2', 'ls/a-c', 'ls/a/b/c', 'ls/a.x', 'ls/_delta_log/00000000000000000010.json', 'ls/_delta_log/00000000000000000002.json', 'lsx/other'];
    for (const k of keys) await store.put(k, `<${k}>`);

    const all = await store.list('ls/');
    // Code point order: '-' (2d) < '.' (2e) < '/' (2f) < '_' (5f) < 'a'.
    const expected = ['ls/_delta_log/00000000000000000002.json', 'ls/_delta_log/00000000000000000010.json', 'ls/a-c', 'ls/a.x', 'ls/a/b/c', 'ls/b/2'];
    expect(all.map((o) => o.key)).toEqual(expected);
    for (const o of all) {
      expect(o.size).toBe(Buffer.byteLength(`<${o.key}>`));
      expect(o.modified.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    }
    expect((await store.list('ls/_delta_log/0000000000000000000')).map((o) => o.key)).toEqual(['ls/_delta_log/00000000000000000002.json']);
    expect((await store.list('ls/a')).map((o) => o.key)).toEqual(expected.filter((k) => k.startsWith('ls/a')));
    expect((await store.list('ls')).map((o) => o.key)).toEqual([...expected, 'lsx/other']);
    expect(await store.list('ls/none/')).toEqual([]);
    expect(await store.list('nothing-here')).toEqual([]);
  });

  it('lists from a start-after key: only keys strictly after it, in folders too', async () => {
    const keys = ['sa/_delta_log/00000000000000000009.json', 'sa/_delta_log/00000000000000000010.checkpoint.parquet', 'sa/_delta_log/00000000000000000010.json', 'sa/_delta_log/00000000000000000011.json', 'sa/_delta_log/_last_checkpoint', 'sa/a/1', 'sa/b/c/2', 'sa/bb'];
    for (const k of [...keys].reverse()) await store.put(k, k);
    const after = async (prefix: string, startAfter: string) => (await store.list(prefix, { startAfter })).map((o) => o.key);
    // A version's prefix without its '.': that version's checkpoint and commit onward.
    expect(await after('sa/_delta_log/', 'sa/_delta_log/00000000000000000010')).toEqual(keys.slice(1, 5));
    expect(await after('sa/', 'sa/_delta_log/00000000000000000010.json')).toEqual(keys.slice(3));
    expect(await after('sa/', 'sa/a/1')).toEqual(keys.slice(6)); // exclusive, and the folder before it is skipped
    expect(await after('sa/', 'sa/b/')).toEqual(keys.slice(6));
    expect(await after('sa/', 'sa/b/c/2')).toEqual(['sa/bb']);
    expect(await after('sa/', 'a')).toEqual(keys); // before the prefix: everything
    expect(await after('sa/', 'sa/zzz')).toEqual([]);
    expect((await store.list('sa/', { startAfter: 'sa/bb' })).length).toBe(0);
  });

  it('head: size of an object, undefined for a missing key or a folder', async () => {
    await store.put('hd/dir/obj', 'abc');
    expect(await store.head('hd/dir/obj')).toMatchObject({ key: 'hd/dir/obj', size: 3 });
    expect(await store.head('hd/missing')).toBeUndefined();
    expect(await store.head('hd/dir')).toBeUndefined();
  });

  it('a key below an object does not exist (its "folder" is a file)', async () => {
    await store.put('nest/file', 'f');
    expect(await store.head('nest/file/x')).toBeUndefined();
    await expect(store.get('nest/file/x')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('nest/file/x', { offset: 0, length: 1 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.list('nest/file/')).toEqual([]);
    expect(await store.list('nest/file/x')).toEqual([]);
    await store.delete('nest/file/x');
    expect(text(await store.get('nest/file'))).toBe('f');
  });

  it('get of a missing key throws NotFoundError naming the key and the store', async () => {
    const err = await store.get('missing/key.json').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain('missing/key.json');
    expect((err as Error).message).toContain(store.url);
  });

  it('delete removes an object and is idempotent', async () => {
    await store.put('del/x', 'x');
    await store.delete('del/x');
    expect(await store.head('del/x')).toBeUndefined();
    await expect(store.get('del/x')).rejects.toBeInstanceOf(NotFoundError);
    await store.delete('del/x');
    await store.delete('del/never-existed');
    expect(await store.list('del/')).toEqual([]);
  });

  it('putFile / getFile stream a ~5 MB file both ways, replacing an existing object', async () => {
    const src = path.join(tmp, `${kind}-src.bin`);
    const body = randomBytes(5 * 1024 * 1024 + 123);
    await fs.writeFile(src, body);
    await store.put('files/big.bin', 'old');
    await store.putFile('files/big.bin', src);
    expect((await store.head('files/big.bin'))?.size).toBe(body.length);
    expect(sha(await store.get('files/big.bin', { offset: 5 * 1024 * 1024, length: 200 }))).toBe(sha(body.subarray(5 * 1024 * 1024)));

    const dest = path.join(tmp, kind, 'nested', 'copy.bin');
    await store.getFile('files/big.bin', dest);
    expect(sha(await fs.readFile(dest))).toBe(sha(body));

    const missing = path.join(tmp, kind, 'missing.bin');
    await expect(store.getFile('files/missing.bin', missing)).rejects.toBeInstanceOf(NotFoundError);
    await expect(fs.access(missing)).rejects.toThrow();
    expect((await fs.readdir(path.join(tmp, kind))).sort()).toEqual(['nested']); // no partial download left behind
  });

  it('scoped stores see keys relative to their prefix and share the objects', async () => {
    const table = store.scoped('warehouse/trades');
    expect(table.url).toBe(`${store.url}/warehouse/trades`);
    await table.put('_delta_log/00000000000000000000.json', 'c0');
    expect(text(await store.get('warehouse/trades/_delta_log/00000000000000000000.json'))).toBe('c0');
    const log = table.scoped('_delta_log/');
    expect(await log.putIfAbsent('00000000000000000000.json', 'again')).toBe(false);
    expect(await log.putIfAbsent('00000000000000000001.json', 'c1')).toBe(true);
    expect((await log.list('')).map((o) => o.key)).toEqual(['00000000000000000000.json', '00000000000000000001.json']);
    expect((await table.list('')).map((o) => o.key)).toEqual(['_delta_log/00000000000000000000.json', '_delta_log/00000000000000000001.json']);
    expect(await store.scoped('warehouse/other').list('')).toEqual([]);
  });

  it('keys with "=", spaces, "+", "%" and unicode (Hive partition folders) round-trip and list exactly', async () => {
    const keys = ['hive/date=2024-01-01/region=EU West/part 0+1%.parquet', 'hive/date=2024-01-02/symbol=BRK.B/ünïcødé €.parquet'];
    for (const k of keys) await store.put(k, k);
    const long = `hive-long/part-${'0123456789'.repeat(23)}.parquet`; // a 243-byte file name: the temp name must not overflow
    expect(await store.putIfAbsent(long, 'long')).toBe(true);
    expect(text(await store.get(long))).toBe('long');
    for (const k of keys) expect(text(await store.get(k))).toBe(k);
    expect((await store.list('hive/')).map((o) => o.key)).toEqual(keys);
    expect((await store.list('hive/date=2024-01-01/')).map((o) => o.key)).toEqual([keys[0]]);
    const part = store.scoped('hive/date=2024-01-01');
    expect((await part.list('region=EU West/')).map((o) => o.key)).toEqual(['region=EU West/part 0+1%.parquet']);
  });

  it('refuses keys that could escape the root or are ambiguous, with a non-retryable StorageError', async () => {
    for (const bad of ['../escape', '/abs', 'a//b', 'a/./b', 'dir/', '']) {
      const err = await store.put(bad, 'x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, bad).toBeInstanceOf(StorageError);
      expect((err as StorageError).retryable).toBe(false);
    }
  });

  it('directPath: a readable file path (local), an s3:// URL (S3), nothing (HDFS)', async () => {
    await store.put('direct/obj', 'direct');
    const p = store.directPath('direct/obj');
    if (kind === 'local') expect(await fs.readFile(p as string, 'utf8')).toBe('direct');
    else if (kind === 's3') expect(p).toBe(`${store.url}/direct/obj`);
    else expect(p).toBeUndefined();
  });
});

describe('S3Store paging', () => {
  it('lists across ListObjectsV2 pages', async () => {
    const { url } = await freshLocation('s3', 'paging');
    const store = new S3Store(url, { ...s3Options(), listPageSize: 2 });
    try {
      const keys = ['p/e', 'p/a', 'p/d/1', 'p/c', 'p/b'];
      await Promise.all(keys.map((k) => store.put(k, k)));
      expect((await store.list('p/')).map((o) => o.key)).toEqual([...keys].sort());
      expect((await store.list('p/', { startAfter: 'p/b' })).map((o) => o.key)).toEqual(['p/c', 'p/d/1', 'p/e']);
    } finally {
      store.destroy();
    }
  });
});

describe('S3Store multipart putFile', () => {
  it('uploads a file above the threshold in parts and reads it back whole', async () => {
    const { url } = await freshLocation('s3', 'multipart');
    // 5 MiB is the smallest part S3 allows; 11 MiB + a bit makes three parts.
    const store = new S3Store(url, { ...s3Options(), multipartThresholdBytes: 6 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 });
    try {
      const src = path.join(tmp, 'multipart.bin');
      const body = randomBytes(11 * 1024 * 1024 + 7);
      await fs.writeFile(src, body);
      await store.putFile('mp/data.bin', src);
      expect((await store.head('mp/data.bin'))?.size).toBe(body.length);
      const dest = path.join(tmp, 'multipart-copy.bin');
      await store.getFile('mp/data.bin', dest);
      expect(sha(await fs.readFile(dest))).toBe(sha(body));
    } finally {
      store.destroy();
    }
  });
});

/**
 * A DataNode lost in the middle of a write, on the real HDFS: WebHDFS calls go through a small
 * NameNode proxy that points the client at a TCP proxy in front of the real DataNode, and that
 * proxy cuts the upload part-way.
 */
describe('HdfsStore when a DataNode is lost mid-write', () => {
  const closers: (() => void)[] = [];
  afterAll(() => closers.forEach((c) => c()));

  async function faultyHdfs(): Promise<{ store: HdfsStore; cutAfter: (bytes: number | undefined) => void }> {
    const { ports } = loadConfig();
    let limit: number | undefined;
    const sockets = new Set<net.Socket>();
    const dn = net.createServer((client) => {
      const upstream = net.connect(ports.hdfsDataNodeHttp, '127.0.0.1');
      sockets.add(client).add(upstream);
      let sent = 0;
      client.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        if (limit !== undefined && sent > limit) {
          client.destroy(); // the DataNode "dies": both sides see the connection drop
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      const close = () => (client.destroy(), upstream.destroy());
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => dn.listen(0, '127.0.0.1', r));
    const dnPort = (dn.address() as AddressInfo).port;
    const nn = http.createServer((req, res) => {
      const up = http.request({ host: '127.0.0.1', port: ports.hdfsNameNodeHttp, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => {
          const body = Buffer.from(Buffer.concat(chunks).toString('utf8').replace(new RegExp(`(http://[^/"]+):${ports.hdfsDataNodeHttp}/`, 'g'), `http://127.0.0.1:${dnPort}/`));
          res.writeHead(ur.statusCode ?? 500, { 'content-type': ur.headers['content-type'] ?? 'application/json', 'content-length': body.length }).end(body);
        });
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => nn.listen(0, '127.0.0.1', r));
    closers.push(() => {
      for (const s of sockets) s.destroy();
      dn.close();
      nn.closeAllConnections();
      nn.close();
    });
    const real = (await freshStore('hdfs', 'datanode-lost')) as HdfsStore;
    const store = new HdfsStore(`webhdfs://127.0.0.1:${(nn.address() as AddressInfo).port}${real.rootPath}`, { ...hdfsOptions(), retry: { attempts: 2, baseDelayMs: 10 } });
    closers.push(() => store.destroy());
    return { store, cutAfter: (n) => (limit = n) };
  }

  it('fails retryable naming the path, leaves no torn object, and the retry commits once', async () => {
    const { store, cutAfter } = await faultyHdfs();
    const commit = Buffer.alloc(1024 * 1024, 'c');
    cutAfter(200 * 1024);
    const err = (await store.putIfAbsent('_delta_log/00000000000000000007.json', commit).then(
      () => undefined,
      (e: unknown) => e,
    )) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`${store.rootPath}/_delta_log/00000000000000000007.json`);
    expect(await store.head('_delta_log/00000000000000000007.json')).toBeUndefined(); // no torn commit
    expect(await store.list('_delta_log/')).toEqual([]); // and nothing half-written shows

    cutAfter(undefined); // the DataNode is back
    expect(await store.putIfAbsent('_delta_log/00000000000000000007.json', commit)).toBe(true);
    expect(await store.putIfAbsent('_delta_log/00000000000000000007.json', commit)).toBe(false);
    expect(sha(await store.get('_delta_log/00000000000000000007.json'))).toBe(sha(commit));
    expect((await store.list('_delta_log/')).map((o) => o.key)).toEqual(['_delta_log/00000000000000000007.json']);
  });

  it('a put cut mid-write leaves the previous version whole', async () => {
    const { store, cutAfter } = await faultyHdfs();
    const v1 = Buffer.alloc(512 * 1024, '1');
    await store.put('_last_checkpoint', v1);
    cutAfter(100 * 1024);
    await expect(store.put('_last_checkpoint', Buffer.alloc(512 * 1024, '2'))).rejects.toMatchObject({ retryable: true });
    cutAfter(undefined);
    expect(sha(await store.get('_last_checkpoint'))).toBe(sha(v1));
  });
});
