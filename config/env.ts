/**
 * The one typed configuration of FinanceLake, read from the environment.
 * Every value has a local default so `npm start` runs on a bare machine; a value that is
 * set but malformed fails at start with a message naming the variable.
 * Secrets (S3 keys) are read here and never logged: use `redact(config)` to print it.
 */
import path from 'node:path';

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface S3Config {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  useSsl: boolean;
}

export interface Config {
  /** Repository root; caches and defaults hang off it. */
  root: string;
  /** Folder holding installed binaries, jars, venv, DuckDB extensions, service data. */
  infraDir: string;
  /** Local path (embedded default) or s3://bucket/prefix or hdfs://host:port/path. */
  warehouse: string;
  /** Landing zone for incoming files (local path or URL like warehouse). */
  landing: string;
  /** Local folder for the HTML quality reports of each run. */
  reportDir: string;
  s3: S3Config;
  temporal: { address: string; namespace: string; taskQueue: string; uiPort: number };
  /** enabled: Kafka datasets consume the broker (FINANCELAKE_KAFKA); otherwise their landing-file fallback. topics: declared topic -> topic used (KAFKA_TOPIC_MAP 'a=b,c=d'). maxBatchMessages: messages per bronze commit (KAFKA_MAX_BATCH_MESSAGES, default the pipeline's). */
  kafka: { brokers: string[]; clientId: string; enabled: boolean; topics: Record<string, string>; maxBatchMessages: number | undefined };
  duckdb: { memoryLimit: string; threads: number; tempDirectory: string; extensionDirectory: string };
  worker: { maxConcurrentActivities: number; maxConcurrentWorkflowTasks: number };
  backupTarget: string | undefined;
  /** S3 endpoint and credentials of the backup site (the second MinIO by default), used when backupTarget is s3://. */
  backupS3: S3Config;
  ports: { temporal: number; temporalUi: number; minio: number; minioConsole: number; minio2: number; minio2Console: number; kafka: number; kafkaController: number; hdfsNameNodeRpc: number; hdfsNameNodeHttp: number; hdfsDataNode: number; hdfsDataNodeHttp: number; hdfsDataNodeIpc: number };
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  return v;
}

function int(env: Env, name: string, fallback: number, min = 0, max = 65535 * 1000): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v.trim())) throw new ConfigError(name, `expected a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `expected a number from ${min} to ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `expected true or false, got "${v}"`);
}

function location(env: Env, name: string, fallback: string, root: string): string {
  const v = str(env, name, fallback);
  if (/^(s3|hdfs|webhdfs):\/\//.test(v)) {
    const m = /^(s3|hdfs|webhdfs):\/\/([^/]+)(\/.*)?$/.exec(v);
    if (!m) throw new ConfigError(name, `malformed URL "${v}" (expected s3://bucket/prefix or hdfs://host:port/path)`);
    return v.replace(/\/+$/, '');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !v.startsWith('file://')) {
    throw new ConfigError(name, `unsupported scheme in "${v}" (use a local path, file://, s3:// or hdfs://)`);
  }
  const p = v.startsWith('file://') ? v.slice('file://'.length) : v;
  return path.resolve(root, p);
}

function memory(env: Env, name: string, fallback: string): string {
  const v = str(env, name, fallback);
  if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(v)) throw new ConfigError(name, `expected a size like 1GB or 512MiB, got "${v}"`);
  return v;
}

function topicMap(env: Env, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of str(env, name, '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([\w.-]+)=([\w.-]+)$/.exec(pair);
    if (!m) throw new ConfigError(name, `expected topic=topic[,topic=topic], got "${pair}"`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function loadConfig(env: Env = process.env, root = path.resolve(__dirname, '..')): Config {
  const infraDir = location(env, 'FINANCELAKE_INFRA_DIR', '.infra', root);
  const ports = {
    temporal: int(env, 'TEMPORAL_PORT', 7233, 1, 65535),
    temporalUi: int(env, 'TEMPORAL_UI_PORT', 8233, 1, 65535),
    minio: int(env, 'MINIO_PORT', 9000, 1, 65535),
    minioConsole: int(env, 'MINIO_CONSOLE_PORT', 9001, 1, 65535),
    minio2: int(env, 'MINIO2_PORT', 9100, 1, 65535),
    minio2Console: int(env, 'MINIO2_CONSOLE_PORT', 9101, 1, 65535),
    kafka: int(env, 'KAFKA_PORT', 9092, 1, 65535),
    kafkaController: int(env, 'KAFKA_CONTROLLER_PORT', 9093, 1, 65535),
    hdfsNameNodeRpc: int(env, 'HDFS_NAMENODE_RPC_PORT', 8020, 1, 65535),
    hdfsNameNodeHttp: int(env, 'HDFS_NAMENODE_HTTP_PORT', 9870, 1, 65535),
    hdfsDataNode: int(env, 'HDFS_DATANODE_PORT', 9866, 1, 65535),
    hdfsDataNodeHttp: int(env, 'HDFS_DATANODE_HTTP_PORT', 9864, 1, 65535),
    hdfsDataNodeIpc: int(env, 'HDFS_DATANODE_IPC_PORT', 9867, 1, 65535),
  };
  const endpoint = str(env, 'S3_ENDPOINT', `http://127.0.0.1:${ports.minio}`);
  if (!/^https?:\/\/[^/]+/.test(endpoint)) throw new ConfigError('S3_ENDPOINT', `expected http(s)://host:port, got "${endpoint}"`);
  const brokers = str(env, 'KAFKA_BROKERS', `127.0.0.1:${ports.kafka}`).split(',').map((b) => b.trim()).filter(Boolean);
  for (const b of brokers) if (!/^[^:\s]+:\d+$/.test(b)) throw new ConfigError('KAFKA_BROKERS', `expected host:port[,host:port], got "${b}"`);
  const temporalAddress = str(env, 'TEMPORAL_ADDRESS', `127.0.0.1:${ports.temporal}`);
  if (!/^[^:\s]+:\d+$/.test(temporalAddress)) throw new ConfigError('TEMPORAL_ADDRESS', `expected host:port, got "${temporalAddress}"`);
  const backup = env.FINANCELAKE_BACKUP_TARGET;
  return {
    root,
    infraDir,
    warehouse: location(env, 'FINANCELAKE_WAREHOUSE', '.data/warehouse', root),
    landing: location(env, 'FINANCELAKE_LANDING', '.data/landing', root),
    reportDir: location(env, 'FINANCELAKE_REPORTS', '.data/reports', root),
    s3: {
      endpoint,
      region: str(env, 'S3_REGION', 'us-east-1'),
      accessKeyId: str(env, 'S3_ACCESS_KEY_ID', str(env, 'MINIO_ROOT_USER', 'financelake')),
      secretAccessKey: str(env, 'S3_SECRET_ACCESS_KEY', str(env, 'MINIO_ROOT_PASSWORD', 'financelake-local-only')),
      forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', true),
      useSsl: endpoint.startsWith('https://'),
    },
    temporal: {
      address: temporalAddress,
      namespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
      taskQueue: str(env, 'TEMPORAL_TASK_QUEUE', 'financelake'),
      uiPort: ports.temporalUi,
    },
    kafka: { brokers, clientId: str(env, 'KAFKA_CLIENT_ID', 'financelake'), enabled: bool(env, 'FINANCELAKE_KAFKA', false), topics: topicMap(env, 'KAFKA_TOPIC_MAP'), maxBatchMessages: env.KAFKA_MAX_BATCH_MESSAGES ? int(env, 'KAFKA_MAX_BATCH_MESSAGES', 0, 1, 10_000_000) : undefined },
    duckdb: {
      memoryLimit: memory(env, 'DUCKDB_MEMORY_LIMIT', '1GB'),
      threads: int(env, 'DUCKDB_THREADS', 2, 1, 1024),
      tempDirectory: location(env, 'DUCKDB_TEMP_DIRECTORY', path.join(infraDir, 'duckdb_tmp'), root),
      extensionDirectory: location(env, 'DUCKDB_EXTENSION_DIRECTORY', path.join(infraDir, 'duckdb_extensions'), root),
    },
    worker: {
      maxConcurrentActivities: int(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES', 4, 1, 1000),
      maxConcurrentWorkflowTasks: int(env, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 40, 1, 10000),
    },
    backupTarget: backup ? location(env, 'FINANCELAKE_BACKUP_TARGET', backup, root) : undefined,
    backupS3: backupS3(env, ports.minio2),
    ports,
  };
}

function backupS3(env: Env, minio2Port: number): S3Config {
  const endpoint = str(env, 'BACKUP_S3_ENDPOINT', `http://127.0.0.1:${minio2Port}`);
  if (!/^https?:\/\/[^/]+/.test(endpoint)) throw new ConfigError('BACKUP_S3_ENDPOINT', `expected http(s)://host:port, got "${endpoint}"`);
  return {
    endpoint,
    region: str(env, 'BACKUP_S3_REGION', str(env, 'S3_REGION', 'us-east-1')),
    accessKeyId: str(env, 'BACKUP_S3_ACCESS_KEY_ID', str(env, 'S3_ACCESS_KEY_ID', str(env, 'MINIO_ROOT_USER', 'financelake'))),
    secretAccessKey: str(env, 'BACKUP_S3_SECRET_ACCESS_KEY', str(env, 'S3_SECRET_ACCESS_KEY', str(env, 'MINIO_ROOT_PASSWORD', 'financelake-local-only'))),
    forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', true),
    useSsl: endpoint.startsWith('https://'),
  };
}

/** The config with secrets masked, safe to print or log. */
export function redact(config: Config): Config {
  const mask = (c: S3Config): S3Config => ({ ...c, secretAccessKey: '***', accessKeyId: c.accessKeyId ? `${c.accessKeyId.slice(0, 2)}***` : '' });
  return { ...config, s3: mask(config.s3), backupS3: mask(config.backupS3) };
}
