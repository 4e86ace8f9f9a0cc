/**
 * Small helpers for tests that talk to the local stack (brought up by test/global-setup.ts).
 * Everything comes from loadConfig(), so a test run on other ports (env) follows along.
 * For ObjectStore instances on a backend, see ./stores.ts.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '../../config/env';
import { BUCKETS } from '../../infra/stack';

export { BUCKETS };

let cached: Config | undefined;
/** The configuration of the stack the tests run against. */
export function stackConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/**
 * A name no other test, run or process uses: lower case letters, digits and dashes, at most
 * 63 characters, so it is valid as an S3 bucket name, a Kafka topic, a key prefix or a folder.
 */
export function uniqueName(prefix = 'test'): string {
  const stem = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30) || 'test';
  return `${stem}-${Date.now().toString(36)}-${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * @aws-sdk/client-s3 options from the config: the stack's MinIO (warehouse and test bucket),
 * or with 'backup' the backup site (the second MinIO). For lakehouse stores see stores.ts.
 */
export function s3ClientConfig(site: 'main' | 'backup' = 'main'): S3ClientConfig {
  const c = site === 'main' ? stackConfig().s3 : stackConfig().backupS3;
  return {
    endpoint: c.endpoint,
    region: c.region,
    forcePathStyle: c.forcePathStyle,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
  };
}

/** hdfs://127.0.0.1:<NameNode RPC port><path>, the form the lakehouse's HDFS store opens. */
export function hdfsUrl(path = '/'): string {
  return `hdfs://127.0.0.1:${stackConfig().ports.hdfsNameNodeRpc}${path.startsWith('/') ? path : `/${path}`}`;
}

/** The NameNode's WebHDFS REST root, e.g. `${webHdfsBase()}/tmp/x?op=GETFILESTATUS`. */
export function webHdfsBase(): string {
  return `http://127.0.0.1:${stackConfig().ports.hdfsNameNodeHttp}/webhdfs/v1`;
}

/** host:port of the Temporal frontend and the namespace. */
export function temporalTarget(): { address: string; namespace: string } {
  const c = stackConfig();
  return { address: c.temporal.address, namespace: c.temporal.namespace };
}

export function kafkaBrokers(): string[] {
  return stackConfig().kafka.brokers;
}

/** Ports free right now, each picked by the kernel (for a second, private stack). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
