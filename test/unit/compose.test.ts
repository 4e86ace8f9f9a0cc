/**
 * docker-compose.yml against config/env.ts (no Docker engine here): the worker gets every
 * variable it needs, only variables the config knows, values the config accepts, addresses
 * that name compose services, and host ports equal to the config defaults.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';

const ROOT = path.resolve(__dirname, '../..');

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
}
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;
const worker = services.worker;

/** Every variable config/env.ts reads. */
const CONFIG_VARS = new Set(
  [...fs.readFileSync(path.join(ROOT, 'config', 'env.ts'), 'utf8').matchAll(/\(env, '([A-Z][A-Z0-9_]*)'|env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] ?? m[2]),
);

/** Config variables a deployed worker does not set, and why. Anything else must be in the compose file. */
const NOT_FOR_THE_WORKER: Record<string, string> = {
  FINANCELAKE_INFRA_DIR: 'local stack cache; the image sets DUCKDB_EXTENSION_DIRECTORY itself',
  MINIO_ROOT_USER: 'fallback of S3_ACCESS_KEY_ID, which is set',
  MINIO_ROOT_PASSWORD: 'fallback of S3_SECRET_ACCESS_KEY, which is set',
  TEMPORAL_PORT: 'local stack port; the worker uses TEMPORAL_ADDRESS',
  TEMPORAL_UI_PORT: 'local stack port',
  MINIO_PORT: 'local stack port; the worker uses S3_ENDPOINT',
  MINIO_CONSOLE_PORT: 'local stack port',
  MINIO2_PORT: 'local stack port; the worker uses BACKUP_S3_ENDPOINT',
  MINIO2_CONSOLE_PORT: 'local stack port',
  KAFKA_PORT: 'local stack port; the worker uses KAFKA_BROKERS',
  KAFKA_CONTROLLER_PORT: 'local stack port',
  HDFS_NAMENODE_RPC_PORT: 'hdfs:// URLs carry their port',
  HDFS_DATANODE_PORT: 'local stack port; WebHDFS redirects name the DataNode',
  HDFS_DATANODE_HTTP_PORT: 'local stack port',
  HDFS_DATANODE_IPC_PORT: 'local stack port',
  KAFKA_CLIENT_ID: 'default financelake is right',
  KAFKA_TOPIC_MAP: 'topics keep their declared names',
  KAFKA_MAX_BATCH_MESSAGES: "the pipeline's default batch per bronze commit",
  BACKUP_S3_REGION: 'defaults to S3_REGION',
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 'default is right',
};

/** ${VAR}, ${VAR:-default}, ${VAR:?error} as docker compose interpolates them. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const v = env[name];
    if (op === ':-' || op === '-') return v || arg;
    if (op === ':?' || op === '?') {
      if (!v) throw new Error(`${name}: ${arg}`);
      return v;
    }
    return v ?? '';
  });
}

function workerEnv(hostEnv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(worker.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), hostEnv)]));
}
const SECRETS = { MINIO_ROOT_PASSWORD: 'main-secret-123', BACKUP_MINIO_ROOT_PASSWORD: 'backup-secret-456' };

/** Host ports published by a service, as host -> container. */
function published(name: string): Map<number, number> {
  return new Map((services[name]?.ports ?? []).map((p) => {
    const [host, container] = String(p).split(':').map(Number);
    return [host, container];
  }));
}
const hostOf = (address: string) => new URL(address.includes('://') ? address : `tcp://${address}`).hostname;
const portOf = (address: string) => Number(new URL(address.includes('://') ? address : `tcp://${address}`).port);

describe('docker-compose.yml', () => {
  it('describes the whole system: Temporal + PostgreSQL + UI, MinIO x2, Kafka, HDFS, the worker', () => {
    for (const s of ['temporal', 'temporal-postgresql', 'temporal-ui', 'minio', 'minio-backup', 'kafka', 'hdfs-namenode', 'hdfs-datanode', 'financelake-setup', 'worker']) {
      expect(services[s], s).toBeDefined();
    }
    expect(services.kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller'); // KRaft, no ZooKeeper
    expect(services.temporal.environment?.DB).toMatch(/^postgres/);
  });

  it('gives every long-running service a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'financelake-setup') continue; // one-shot
      expect(s.healthcheck?.test, `${name} has no healthcheck`).toBeDefined();
    }
  });

  it('builds the worker from the Dockerfile in the repo and starts it after its services are healthy', () => {
    const build = typeof worker.build === 'string' ? { context: worker.build } : worker.build!;
    expect(build.context).toBe('.');
    expect(fs.existsSync(path.join(ROOT, build.dockerfile ?? 'Dockerfile'))).toBe(true);
    expect(worker.command?.join(' ')).toMatch(/workers\/main\.ts/);
    expect(fs.existsSync(path.join(ROOT, 'workers', 'main.ts'))).toBe(true);
    for (const dep of ['temporal', 'minio', 'minio-backup', 'kafka', 'hdfs-namenode', 'hdfs-datanode']) {
      expect(worker.depends_on?.[dep]?.condition, dep).toBe('service_healthy');
    }
    expect(worker.depends_on?.['financelake-setup']?.condition).toBe('service_completed_successfully');
    expect(services['financelake-setup'].command?.join(' ')).toMatch(/infra\/provision\.ts/);
  });

  it('sets every variable the worker needs and only variables the config knows', () => {
    expect(CONFIG_VARS.size).toBeGreaterThan(20); // the scan of config/env.ts found its variables
    const set = new Set(Object.keys(worker.environment ?? {}));
    const missing = [...CONFIG_VARS].filter((v) => !set.has(v) && !(v in NOT_FOR_THE_WORKER));
    expect(missing, 'config variables neither set for the worker nor listed in NOT_FOR_THE_WORKER').toEqual([]);
    const unknown = [...set].filter((v) => !CONFIG_VARS.has(v));
    expect(unknown, 'worker variables config/env.ts does not read').toEqual([]);
    const stale = Object.keys(NOT_FOR_THE_WORKER).filter((v) => !CONFIG_VARS.has(v));
    expect(stale, 'NOT_FOR_THE_WORKER names variables the config no longer reads').toEqual([]);
  });

  it('refuses to start without the MinIO secrets instead of using a default', () => {
    expect(() => workerEnv({})).toThrow(/MINIO_ROOT_PASSWORD/);
  });

  it("gives the worker values the config accepts, pointing at the compose services", () => {
    const env = workerEnv(SECRETS);
    const config = loadConfig(env, '/app');
    expect(hostOf(config.temporal.address)).toBe('temporal');
    expect(hostOf(config.s3.endpoint)).toBe('minio');
    expect(hostOf(config.backupS3.endpoint)).toBe('minio-backup');
    for (const b of config.kafka.brokers) expect(hostOf(b)).toBe('kafka');
    expect(config.warehouse).toMatch(/^s3:\/\/financelake\//);
    expect(config.backupTarget).toMatch(/^s3:\/\/financelake-backup\//);
    // The clients' credentials are the servers' root credentials.
    expect(config.s3.secretAccessKey).toBe(SECRETS.MINIO_ROOT_PASSWORD);
    expect(interpolate(String(services.minio.environment?.MINIO_ROOT_PASSWORD), SECRETS)).toBe(config.s3.secretAccessKey);
    expect(interpolate(String(services.minio.environment?.MINIO_ROOT_USER), SECRETS)).toBe(config.s3.accessKeyId);
    expect(config.backupS3.secretAccessKey).toBe(SECRETS.BACKUP_MINIO_ROOT_PASSWORD);
    expect(interpolate(String(services['minio-backup'].environment?.MINIO_ROOT_PASSWORD), SECRETS)).toBe(config.backupS3.secretAccessKey);
    expect(env.DUCKDB_EXTENSION_DIRECTORY).toBe('/app/.infra/duckdb_extensions'); // where the Dockerfile puts them
    expect(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toContain('/app/.infra/duckdb_extensions');
  });

  it('uses the config default ports inside the network and on the host', () => {
    const defaults = loadConfig({}, '/app').ports;
    const config = loadConfig(workerEnv(SECRETS), '/app');
    // What the worker dials is what the services listen on.
    expect(portOf(config.temporal.address)).toBe(defaults.temporal);
    expect(portOf(config.s3.endpoint)).toBe(9000);
    expect(portOf(config.backupS3.endpoint)).toBe(9000);
    expect(config.kafka.brokers.map(portOf)).toEqual([defaults.kafka]);
    expect(config.ports.hdfsNameNodeHttp).toBe(defaults.hdfsNameNodeHttp);
    expect(services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS).toBe(`PLAINTEXT://kafka:${defaults.kafka}`);
    expect(services['hdfs-namenode'].environment?.['HDFS-SITE.XML_dfs.namenode.http-address']).toBe(`hdfs-namenode:${defaults.hdfsNameNodeHttp}`);
    expect(services['hdfs-namenode'].environment?.['HDFS-SITE.XML_dfs.namenode.rpc-address']).toBe(`hdfs-namenode:${defaults.hdfsNameNodeRpc}`);
    // Host ports equal the local stack's, so host tools work against either.
    const expectPublished = (service: string, host: number, container: number) => expect(published(service).get(host), `${service} ${host}`).toBe(container);
    expectPublished('temporal', defaults.temporal, 7233);
    expectPublished('temporal-ui', defaults.temporalUi, 8080);
    expectPublished('minio', defaults.minio, 9000);
    expectPublished('minio', defaults.minioConsole, 9001);
    expectPublished('minio-backup', defaults.minio2, 9000);
    expectPublished('minio-backup', defaults.minio2Console, 9001);
    expectPublished('kafka', defaults.kafka, 9092);
    expectPublished('hdfs-namenode', defaults.hdfsNameNodeRpc, 8020);
    expectPublished('hdfs-namenode', defaults.hdfsNameNodeHttp, 9870);
    expectPublished('hdfs-datanode', defaults.hdfsDataNode, 9866);
    expectPublished('hdfs-datanode', defaults.hdfsDataNodeHttp, 9864);
    expectPublished('hdfs-datanode', defaults.hdfsDataNodeIpc, 9867);
  });
});
