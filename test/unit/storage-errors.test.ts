/**
 * Error mapping and retry behaviour of the S3 and WebHDFS stores. The failure modes a real
 * server will not produce on demand (lost replies, hangs, 503s, refused connections) are
 * played by small local HTTP servers over real sockets.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HdfsStore, mapS3Error, NotFoundError, S3Store, StorageError } from '../../lakehouse/storage';
import { isNotADirectory, isRetryableFailure, parseFailure } from '../../lakehouse/storage/hdfs';
import { withRetry } from '../../lakehouse/storage/retry';

const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;
async function serve(handler: Handler): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, Buffer.concat(chunks));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, hits };
}

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
}

const s3Xml = (code: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`;

describe('withRetry', () => {
  it('retries retryable StorageErrors up to the attempt budget and no others', async () => {
    let n = 0;
    const err = await failure(
      withRetry(FAST, async () => {
        n++;
        throw new StorageError('s', 'k', 'flaky', true);
      }),
    );
    expect(n).toBe(3);
    expect((err as StorageError).retryable).toBe(true);

    n = 0;
    await failure(
      withRetry(FAST, async () => {
        n++;
        throw new StorageError('s', 'k', 'refused', false);
      }),
    );
    expect(n).toBe(1);

    n = 0;
    expect(await withRetry(FAST, async () => (++n < 3 ? Promise.reject(new StorageError('s', 'k', 'x', true)) : 'ok'))).toBe('ok');
    expect(n).toBe(3);
  });
});

describe('S3 error mapping', () => {
  const map = (e: object) => mapS3Error('s3://b/p', 'k', 'get', e);
  it('maps missing keys to NotFoundError and a missing bucket to a clear non-retryable error', () => {
    expect(map({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })).toBeInstanceOf(NotFoundError);
    expect(map({ name: 'NotFound', $metadata: { httpStatusCode: 404 } })).toBeInstanceOf(NotFoundError);
    const nb = map({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }) as StorageError;
    expect(nb).toBeInstanceOf(StorageError);
    expect(nb.retryable).toBe(false);
    expect(nb.message).toMatch(/bucket does not exist.*k in s3:\/\/b\/p/);
  });

  it('marks 5xx, throttling, timeouts, socket errors and 409 races retryable; 403 not', () => {
    const retryable = (e: object) => (map(e) as StorageError).retryable;
    expect(retryable({ name: 'InternalError', $metadata: { httpStatusCode: 500 } })).toBe(true);
    expect(retryable({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(retryable({ name: 'ConditionalRequestConflict', $metadata: { httpStatusCode: 409 } })).toBe(true);
    expect(retryable({ name: 'TimeoutError', message: 'Connection timed out after 5000 ms' })).toBe(true);
    expect(retryable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(retryable({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(retryable({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } })).toBe(false);
  });
});

describe('S3Store over real sockets', () => {
  const opts = (port: number) => ({ endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'k', secretAccessKey: 's', retry: FAST, requestTimeoutMs: 2_000 });

  it('a refused connection is a retryable StorageError naming the key and the store', async () => {
    const store = new S3Store('s3://bucket/pre', opts(await closedPort()));
    const err = (await failure(store.get('t/x.json'))) as StorageError;
    store.destroy();
    expect(err).toBeInstanceOf(StorageError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('t/x.json in s3://bucket/pre');
  });

  it('putIfAbsent backs off on 409 ConditionalRequestConflict, then reports the winner (412) as false', async () => {
    let puts = 0;
    const { port } = await serve((req, res) => {
      puts++;
      res.writeHead(puts === 1 ? 409 : 412, { 'content-type': 'application/xml' }).end(s3Xml(puts === 1 ? 'ConditionalRequestConflict' : 'PreconditionFailed'));
    });
    const store = new S3Store('s3://bucket', opts(port));
    expect(await store.putIfAbsent('_delta_log/1.json', 'mine')).toBe(false);
    store.destroy();
    expect(puts).toBe(2);
  });

  it('putIfAbsent whose reply was lost: a 412 on retry is ours when the stored bytes are ours', async () => {
    for (const stored of ['mine', 'theirs']) {
      let puts = 0;
      const { port, hits } = await serve((req, res) => {
        if (req.method === 'PUT') {
          if (++puts === 1) return req.socket.destroy(); // written, but the reply never arrives
          return res.writeHead(412, { 'content-type': 'application/xml' }).end(s3Xml('PreconditionFailed'));
        }
        res.writeHead(200, { 'content-length': Buffer.byteLength(stored), etag: '"e"' }).end(stored);
      });
      const store = new S3Store('s3://bucket', opts(port));
      expect(await store.putIfAbsent('_delta_log/1.json', 'mine'), stored).toBe(stored === 'mine');
      store.destroy();
      expect(hits.filter((h) => h.startsWith('GET'))).toHaveLength(1);
    }
  });

  it('a 412 on the first attempt is false without reading the object', async () => {
    const { port, hits } = await serve((_req, res) => res.writeHead(412, { 'content-type': 'application/xml' }).end(s3Xml('PreconditionFailed')));
    const store = new S3Store('s3://bucket', opts(port));
    expect(await store.putIfAbsent('k', 'mine')).toBe(false);
    store.destroy();
    expect(hits).toHaveLength(1);
  });
});

describe('WebHDFS error mapping', () => {
  const remote = (exception: string, message: string) => JSON.stringify({ RemoteException: { exception, javaClassName: `x.${exception}`, message } });

  it('parses RemoteException bodies and non-JSON error pages', () => {
    expect(parseFailure(404, remote('FileNotFoundException', 'File does not exist: /a\n\tat x'))).toEqual({ status: 404, exception: 'FileNotFoundException', message: 'File does not exist: /a' });
    expect(parseFailure(502, '<html><body>Bad   Gateway</body></html>')).toEqual({ status: 502, exception: 'HTTP 502', message: '<html><body>Bad Gateway</body></html>' });
  });

  it('retries lost DataNodes, safe mode and 5xx; not permissions, existing files or bad offsets', () => {
    const r = (status: number, exception: string, message: string) => isRetryableFailure(parseFailure(status, remote(exception, message)));
    expect(r(403, 'IOException', 'File /t/x could only be written to 0 of the 1 minReplication nodes. There are 0 datanode(s) running')).toBe(true);
    expect(r(403, 'SafeModeException', 'Cannot create file. Name node is in safe mode.')).toBe(true);
    expect(r(403, 'RetriableException', 'try again')).toBe(true);
    expect(r(500, 'NullPointerException', '')).toBe(true);
    expect(r(403, 'AccessControlException', 'Permission denied: user=x')).toBe(false);
    expect(r(403, 'FileAlreadyExistsException', '/t/x for client 127.0.0.1 already exists')).toBe(false);
    expect(r(403, 'IOException', 'Offset=9 out of the range [0, 3); OPEN, path=/t/a.txt')).toBe(false);
  });

  it('recognises a file standing where a folder should be', () => {
    expect(isNotADirectory(parseFailure(403, remote('AccessControlException', '/lsb/f (is not a directory)')))).toBe(true);
    expect(isNotADirectory(parseFailure(403, remote('ParentNotDirectoryException', '/a/b (is not a directory)')))).toBe(true);
    expect(isNotADirectory(parseFailure(403, remote('AccessControlException', 'Permission denied: user=x')))).toBe(false);
  });
});

describe('HdfsStore over real sockets', () => {
  it('a refused connection is a retryable StorageError naming the HDFS path and how to start HDFS', async () => {
    const store = new HdfsStore('hdfs://127.0.0.1:8020/wh', { httpPort: await closedPort(), retry: FAST });
    const err = (await failure(store.put('t/_delta_log/0.json', '{}'))) as StorageError;
    store.destroy();
    expect(err).toBeInstanceOf(StorageError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('/wh/t/_delta_log/0.json');
    expect(err.message).toContain('npm run infra -- up --with hdfs');
  });

  it('a NameNode that never answers times out as a retryable error', async () => {
    const { port, hits } = await serve(() => undefined); // holds every request open
    const store = new HdfsStore(`webhdfs://127.0.0.1:${port}/wh`, { timeoutMs: 150, retry: { ...FAST, attempts: 2 } });
    const err = (await failure(store.head('x'))) as StorageError;
    store.destroy();
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/no reply .* in 150 ms/);
    expect(hits).toHaveLength(2);
  });

  it('retries 503 replies up to the budget, then fails retryable', async () => {
    const { port, hits } = await serve((_req, res) => res.writeHead(503).end('busy'));
    const store = new HdfsStore(`webhdfs://127.0.0.1:${port}/wh`, { retry: FAST });
    const err = (await failure(store.get('x'))) as StorageError;
    store.destroy();
    expect(err.retryable).toBe(true);
    expect(hits).toHaveLength(3);
  });

  it('putIfAbsent whose RENAME reply was lost: the staged file is gone on retry, so it landed (true, once)', async () => {
    let renames = 0;
    let port = 0;
    ({ port } = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const op = url.searchParams.get('op');
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (op === 'CREATE' && !url.searchParams.has('datanode')) return json(200, { Location: `http://127.0.0.1:${port}${url.pathname}?op=CREATE&datanode=1` });
      if (op === 'CREATE') return res.writeHead(201).end();
      if (op === 'RENAME') {
        if (++renames === 1) return req.socket.destroy(); // the NameNode renamed, the reply was lost
        return json(404, { RemoteException: { exception: 'FileNotFoundException', message: `rename source ${url.pathname.slice('/webhdfs/v1'.length)} is not found.` } });
      }
      if (op === 'DELETE') return json(200, { boolean: false });
      json(400, { RemoteException: { exception: 'IllegalArgumentException', message: `unexpected ${op}` } });
    }));
    const store = new HdfsStore(`webhdfs://127.0.0.1:${port}/wh`, { retry: FAST });
    expect(await store.putIfAbsent('_delta_log/00000000000000000003.json', 'commit')).toBe(true);
    store.destroy();
    expect(renames).toBe(2);
  });
});

describe('HdfsStore listing', () => {
  it('pages through LISTSTATUS_BATCH with startAfter, walks sub-folders and hides in-flight temp files', async () => {
    const tree: Record<string, { name: string; dir?: boolean }[]> = {
      '/wh/t': [{ name: '.f9.0a1b2c3d4e5f.fl-tmp' }, { name: 'f0' }, { name: 'f1' }, { name: 'f2' }, { name: 'f3' }, { name: 'sub', dir: true }],
      '/wh/t/sub': [{ name: 'g' }],
    };
    const { port, hits } = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const dir = decodeURIComponent(url.pathname.slice('/webhdfs/v1'.length));
      const entries = tree[dir] ?? [];
      const after = url.searchParams.get('startAfter');
      const from = after ? entries.findIndex((e) => e.name === after) + 1 : 0;
      const page = entries.slice(from, from + 2); // a tiny dfs.ls.limit
      const FileStatus = page.map((e) => ({ pathSuffix: e.name, type: e.dir ? 'DIRECTORY' : 'FILE', length: e.name.length, modificationTime: 1_700_000_000_000 }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ DirectoryListing: { partialListing: { FileStatuses: { FileStatus } }, remainingEntries: entries.length - from - page.length } }));
    });
    const store = new HdfsStore(`webhdfs://127.0.0.1:${port}/wh`, { retry: FAST });
    const list = await store.list('t/');
    store.destroy();
    expect(list.map((o) => o.key)).toEqual(['t/f0', 't/f1', 't/f2', 't/f3', 't/sub/g']);
    expect(list[0]).toEqual({ key: 't/f0', size: 2, modified: new Date(1_700_000_000_000) });
    expect(hits.filter((h) => h.includes('/wh/t?'))).toHaveLength(3);
    expect(hits.every((h) => h.includes('op=LISTSTATUS_BATCH'))).toBe(true);
  });
});

describe('HdfsStore two-step calls', () => {
  it('follows a 307 redirect from a NameNode that ignores noredirect', async () => {
    let port = 0;
    ({ port } = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!url.searchParams.has('datanode')) return res.writeHead(307, { location: `http://127.0.0.1:${port}${url.pathname}?op=OPEN&datanode=1&offset=${url.searchParams.get('offset')}` }).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(`bytes from ${url.searchParams.get('offset')}`);
    }));
    const store = new HdfsStore(`webhdfs://127.0.0.1:${port}/wh`, { retry: FAST });
    expect(Buffer.from(await store.get('x', { offset: 7, length: 3 })).toString()).toBe('bytes from 7');
    store.destroy();
  });
});
