/**
 * The test helper must fail loudly, naming the service and the command that starts it, when a
 * backend is down: a suite that silently skips HDFS or MinIO would pass without testing them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { disposeStores, freshStore, requireBackend } from '../helpers/stores';

const saved = { ...process.env };
afterAll(disposeStores);
afterEach(() => {
  for (const k of ['S3_ENDPOINT', 'HDFS_NAMENODE_HTTP_PORT']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('test store helper', () => {
  it('fails with the service name and the start command when MinIO is down', async () => {
    process.env.S3_ENDPOINT = `http://127.0.0.1:${await closedPort()}`;
    await expect(freshStore('s3')).rejects.toThrow(/MinIO \(S3 API\) is not reachable at http:\/\/127\.0\.0\.1:\d+.*npm run infra -- up --with hdfs/s);
  });

  it('fails with the service name and the start command when the HDFS NameNode is down', async () => {
    process.env.HDFS_NAMENODE_HTTP_PORT = String(await closedPort());
    await expect(requireBackend('hdfs')).rejects.toThrow(/HDFS NameNode \(WebHDFS\) is not reachable.*npm run infra -- up --with hdfs/s);
  });

  it('fails when the NameNode answers but no DataNode is live', async () => {
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ beans: [{ NumLiveDataNodes: 0 }] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    process.env.HDFS_NAMENODE_HTTP_PORT = String((server.address() as AddressInfo).port);
    try {
      await expect(requireBackend('hdfs')).rejects.toThrow(/no live DataNode.*npm run infra -- up --with hdfs/s);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('local stores need no service and start empty', async () => {
    const store = await freshStore('local');
    expect(await store.list('')).toEqual([]);
  });
});
