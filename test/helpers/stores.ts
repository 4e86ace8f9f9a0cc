/**
 * Fresh, isolated stores for tests, one per backend, on the real services of the local stack:
 *
 *   const store = await freshStore('s3', 'my-test');   // s3://financelake-test/run-.../my-test-1
 *   const { url, options } = await freshLocation('hdfs'); // for code that calls openStore(url, options)
 *   afterAll(disposeStores);                            // removes what this file created
 *
 * Endpoints, ports and credentials come from loadConfig(). A backend whose server is not
 * reachable makes the call FAIL with a message naming the service and how to start it; tests
 * never skip silently.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../config/env';
import { HdfsStore, openStore, S3Store, type ObjectStore, type OpenStoreOptions, type S3Options } from '../../lakehouse/storage';

export type Backend = 'local' | 's3' | 'hdfs';
export const BACKENDS: readonly Backend[] = ['local', 's3', 'hdfs'];
export const TEST_BUCKET = 'financelake-test';
const START_HINT = 'start the stack: `npm run infra -- up --with hdfs`';

/** One folder/prefix per test process, so parallel files and reruns never collide. */
const RUN_ID = `run-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${process.pid}-${randomBytes(3).toString('hex')}`;
let counter = 0;

export function s3Options(): S3Options {
  const c = loadConfig();
  return { endpoint: c.s3.endpoint, region: c.s3.region, accessKeyId: c.s3.accessKeyId, secretAccessKey: c.s3.secretAccessKey, forcePathStyle: c.s3.forcePathStyle };
}

export function hdfsOptions(): { httpPort: number; user: string } {
  return { httpPort: loadConfig().ports.hdfsNameNodeHttp, user: process.env.HDFS_USER || 'root' };
}

/** Options for openStore() that reach the local stack. */
export function storeOptions(): OpenStoreOptions {
  return { s3: s3Options(), hdfs: hdfsOptions() };
}

const checked = new Map<Backend, Promise<void>>();

/** Throws a clear error when the backend's server is down (checked once per process). */
export function requireBackend(kind: Backend): Promise<void> {
  let p = checked.get(kind);
  if (!p) {
    p = kind === 's3' ? checkS3() : kind === 'hdfs' ? checkHdfs() : Promise.resolve();
    p.catch(() => checked.delete(kind)); // a later call may find it up
    checked.set(kind, p);
  }
  return p;
}

async function checkS3(): Promise<void> {
  const o = s3Options();
  const store = new S3Store(`s3://${TEST_BUCKET}`, { ...o, retry: { attempts: 2 }, connectTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
  try {
    await store.ensureBucket();
  } catch (err) {
    throw new Error(`MinIO (S3 API) is not reachable at ${o.endpoint} for bucket ${TEST_BUCKET}: ${(err as Error).message}; ${START_HINT}`, { cause: err });
  } finally {
    store.destroy();
  }
}

async function checkHdfs(): Promise<void> {
  const { httpPort } = hdfsOptions();
  const jmx = `http://127.0.0.1:${httpPort}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`;
  let live: number | undefined;
  try {
    const res = await fetch(jmx, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { beans?: { NumLiveDataNodes?: number }[] };
    live = body.beans?.[0]?.NumLiveDataNodes;
  } catch (err) {
    throw new Error(`HDFS NameNode (WebHDFS) is not reachable at 127.0.0.1:${httpPort}: ${(err as Error).message}; ${START_HINT}`, { cause: err });
  }
  if (!live) throw new Error(`HDFS NameNode at 127.0.0.1:${httpPort} has no live DataNode, so nothing can be written; ${START_HINT}`);
}

interface Created {
  kind: Backend;
  url: string;
}
const created: Created[] = [];

/** A new, empty location on `kind` and the options to open it. */
export async function freshLocation(kind: Backend, label = 'store'): Promise<{ url: string; options: OpenStoreOptions }> {
  await requireBackend(kind);
  const name = `${label}-${++counter}`;
  let url: string;
  if (kind === 'local') url = await fs.mkdtemp(path.join(os.tmpdir(), `financelake-${RUN_ID}-${name}-`));
  else if (kind === 's3') url = `s3://${TEST_BUCKET}/${RUN_ID}/${name}`;
  else url = `hdfs://127.0.0.1:${loadConfig().ports.hdfsNameNodeRpc}/financelake-test/${RUN_ID}/${name}`;
  created.push({ kind, url });
  return { url, options: storeOptions() };
}

/** A new, empty store on `kind`; removed by disposeStores(). */
export async function freshStore(kind: Backend, label = 'store'): Promise<ObjectStore> {
  const { url, options } = await freshLocation(kind, label);
  return openStore(url, options);
}

/** Removes every location this process created. Call from afterAll. */
export async function disposeStores(): Promise<void> {
  const all = created.splice(0);
  await Promise.all(all.map((c) => dispose(c).catch(() => undefined)));
  // Each test file has its own RUN_ID (modules are isolated per file): drop its HDFS folder too.
  if (all.some((c) => c.kind === 'hdfs')) await hdfsDeleteTree(`/financelake-test/${RUN_ID}`).catch(() => undefined);
}

async function hdfsDeleteTree(hdfsPath: string): Promise<void> {
  const { httpPort, user } = hdfsOptions();
  await fetch(`http://127.0.0.1:${httpPort}/webhdfs/v1${hdfsPath}?op=DELETE&recursive=true&user.name=${encodeURIComponent(user)}`, { method: 'DELETE' });
}

async function dispose({ kind, url }: Created): Promise<void> {
  if (kind === 'local') return fs.rm(url, { recursive: true, force: true });
  if (kind === 's3') {
    const store = new S3Store(url, s3Options());
    try {
      for (const o of await store.list('')) await store.delete(o.key);
    } finally {
      store.destroy();
    }
    return;
  }
  // WebHDFS recursive DELETE: the ObjectStore deletes objects, not folders.
  await hdfsDeleteTree(new HdfsStore(url, hdfsOptions()).rootPath);
}
