/**
 * The services of the local stack: how each is prepared, launched, health-checked and made ready.
 * Ports come from config/env.ts; binaries and jars from the install cache (FINANCELAKE_INFRA_DIR,
 * filled by infra/install.sh); pid files, logs, configs and data from the stack folder
 * (FINANCELAKE_STACK_DIR, default the install cache), so a second stack can share the binaries.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Connection } from '@temporalio/client';
import type { Config, S3Config } from '../config/env';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { Launch } from './process';
import { ensureBuckets, ensureSearchAttributes } from './provision';
import { temporalDevConfigArgs } from './temporal-dev';

const execFileAsync = promisify(execFile);

export const SERVICE_NAMES = ['temporal', 'minio', 'minio2', 'kafka', 'hdfs-namenode', 'hdfs-datanode'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What `infra up` starts without --with: the services the pipeline needs. */
export const DEFAULT_SERVICES: ServiceName[] = ['temporal', 'minio', 'kafka'];
/** Opt-in groups for `infra up --with <group>`. */
export const OPTIONAL_GROUPS: Record<string, ServiceName[]> = {
  hdfs: ['hdfs-namenode', 'hdfs-datanode'],
  minio2: ['minio2'],
};

/** Buckets created at start: the warehouse, the tests' scratch bucket, the backup site's. */
export const BUCKETS = { warehouse: 'financelake', test: 'financelake-test', backup: 'financelake-backup' } as const;

export interface StackPaths {
  /** Install cache: bin/, kafka/libs, hadoop/libs (FINANCELAKE_INFRA_DIR, default .infra). */
  infraDir: string;
  /** This stack's folder (FINANCELAKE_STACK_DIR, default the install cache). */
  stateDir: string;
  /** pid files and one log file per service. */
  runDir: string;
  /** Generated configuration files. */
  confDir: string;
  /** Service data: Temporal's SQLite file, MinIO objects, Kafka logs, HDFS blocks. */
  dataDir: string;
}

export interface StackContext {
  config: Config;
  paths: StackPaths;
}

export interface ServiceSpec {
  name: ServiceName;
  /** The port that tells whether the service (or something else) is there. */
  port(ctx: StackContext): number;
  address(ctx: StackContext): string;
  url?(ctx: StackContext): string;
  /** Services that must be up for this one to become healthy. */
  needs?: ServiceName[];
  /** The install.sh step that provides the binary or jars. */
  installStep: string;
  /** Files that must exist before a start (binary, jars). */
  requires(ctx: StackContext): string[];
  /** A substring of the daemon's command line, so a reused pid is not taken for the service. */
  signature(ctx: StackContext): string;
  /** Writes configuration, formats storage on first start. */
  prepare?(ctx: StackContext, log: (msg: string) => void): Promise<void>;
  launch(ctx: StackContext): Launch;
  /** undefined when healthy, else why not. */
  health(ctx: StackContext): Promise<string | undefined>;
  /** After health: buckets, search attributes. Idempotent; also run when found running. */
  ready?(ctx: StackContext): Promise<void>;
  startTimeoutMs: number;
  stopGraceMs: number;
}

const HOST = '127.0.0.1';

// The clients load on first use: `infra status` or `up minio` need not load every SDK.
const temporalClient = () => import('@temporalio/client');
const kafkajs = () => import('kafkajs');

export function pidFile(ctx: StackContext, name: ServiceName): string {
  return path.join(ctx.paths.runDir, `${name}.pid`);
}
export function logFile(ctx: StackContext, name: ServiceName): string {
  return path.join(ctx.paths.runDir, `${name}.log`);
}

async function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

function reason(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return [e?.message ?? String(err), e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ');
}

function javaBin(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function writeIfChanged(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    /* new file */
  }
  fs.writeFileSync(file, text);
}

/** log4j 1.x (reload4j) configuration: everything to stdout, which the stack appends to the service log. */
const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
`;

// ---------------------------------------------------------------- Temporal

const temporal: ServiceSpec = {
  name: 'temporal',
  port: (ctx) => ctx.config.ports.temporal,
  address: (ctx) => `${HOST}:${ctx.config.ports.temporal}`,
  url: (ctx) => `http://${HOST}:${ctx.config.ports.temporalUi}`,
  installStep: 'temporal',
  requires: (ctx) => [path.join(ctx.paths.infraDir, 'bin', 'temporal')],
  signature: (ctx) => `--db-filename ${path.join(ctx.paths.dataDir, 'temporal', 'temporal.db')}`,
  async prepare(ctx) {
    fs.mkdirSync(path.join(ctx.paths.dataDir, 'temporal'), { recursive: true });
  },
  launch(ctx) {
    const { ports, temporal: t } = ctx.config;
    const args = ['server', 'start-dev',
      '--db-filename', path.join(ctx.paths.dataDir, 'temporal', 'temporal.db'),
      '--ip', HOST, '--port', String(ports.temporal), '--ui-port', String(ports.temporalUi),
      '--namespace', t.namespace, '--log-format', 'json', ...temporalDevConfigArgs()];
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
    return { command: path.join(ctx.paths.infraDir, 'bin', 'temporal'), args, cwd: ctx.paths.stateDir };
  },
  async health(ctx) {
    let connection: Connection | undefined;
    try {
      const { Connection } = await temporalClient();
      connection = await Connection.connect({ address: `${HOST}:${ctx.config.ports.temporal}`, connectTimeout: '2s' });
      const c = connection;
      await c.withDeadline(Date.now() + 3000, () => c.workflowService.describeNamespace({ namespace: ctx.config.temporal.namespace }));
    } catch (err) {
      return `namespace ${ctx.config.temporal.namespace} does not answer: ${reason(err)}`;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    try {
      const ui = await httpGet(`http://${HOST}:${ctx.config.ports.temporalUi}/`);
      if (ui.status !== 200) return `Web UI answers ${ui.status}`;
    } catch (err) {
      return `Web UI does not answer: ${reason(err)}`;
    }
    return undefined;
  },
  async ready(ctx) {
    // start-dev registers --search-attribute only in a new database file: add any missing one.
    await ensureSearchAttributes(`${HOST}:${ctx.config.ports.temporal}`, ctx.config.temporal.namespace);
  },
  startTimeoutMs: 120_000,
  stopGraceMs: 10_000,
};

// ---------------------------------------------------------------- MinIO

/**
 * A MinIO server whose root credentials are the ones the project's clients use for it
 * (config.s3 for minio, config.backupS3 for minio2; both default to MINIO_ROOT_USER/PASSWORD).
 */
function minioSpec(name: 'minio' | 'minio2', portOf: (c: Config) => number, consoleOf: (c: Config) => number, s3Of: (c: Config) => S3Config, buckets: string[]): ServiceSpec {
  const dataOf = (ctx: StackContext) => path.join(ctx.paths.dataDir, name);
  const endpoint = (ctx: StackContext) => `http://${HOST}:${portOf(ctx.config)}`;
  return {
    name,
    port: (ctx) => portOf(ctx.config),
    address: (ctx) => `${HOST}:${portOf(ctx.config)}`,
    url: (ctx) => `http://${HOST}:${consoleOf(ctx.config)}`,
    installStep: 'minio',
    requires: (ctx) => [path.join(ctx.paths.infraDir, 'bin', 'minio')],
    signature: (ctx) => `server ${dataOf(ctx)} `,
    async prepare(ctx) {
      fs.mkdirSync(dataOf(ctx), { recursive: true });
    },
    launch(ctx) {
      const { accessKeyId, secretAccessKey } = s3Of(ctx.config);
      return {
        command: path.join(ctx.paths.infraDir, 'bin', 'minio'),
        args: ['server', dataOf(ctx), '--address', `${HOST}:${portOf(ctx.config)}`, '--console-address', `${HOST}:${consoleOf(ctx.config)}`, '--quiet'],
        env: { MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_UPDATE: 'off', MINIO_BROWSER: 'on' },
        cwd: ctx.paths.stateDir,
      };
    },
    async health(ctx) {
      try {
        const res = await httpGet(`${endpoint(ctx)}/minio/health/live`);
        return res.status === 200 ? undefined : `/minio/health/live answers ${res.status}`;
      } catch (err) {
        return `/minio/health/live does not answer: ${reason(err)}`;
      }
    },
    async ready(ctx) {
      await ensureBuckets({ ...s3Of(ctx.config), endpoint: endpoint(ctx), forcePathStyle: true }, buckets);
    },
    startTimeoutMs: 60_000,
    stopGraceMs: 10_000,
  };
}

const minio = minioSpec('minio', (c) => c.ports.minio, (c) => c.ports.minioConsole, (c) => c.s3, [BUCKETS.warehouse, BUCKETS.test]);
const minio2 = minioSpec('minio2', (c) => c.ports.minio2, (c) => c.ports.minio2Console, (c) => c.backupS3, [BUCKETS.backup]);

// ---------------------------------------------------------------- Kafka (KRaft, one broker)

const kafkaLibs = (ctx: StackContext) => path.join(ctx.paths.infraDir, 'kafka', 'libs');
const kafkaConf = (ctx: StackContext) => path.join(ctx.paths.confDir, 'kafka');
const kafkaData = (ctx: StackContext) => path.join(ctx.paths.dataDir, 'kafka');

/** A Kafka cluster id: 16 random bytes, base64url, not starting with '-' (as Uuid.randomUuid). */
function kafkaClusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function kafkaJvm(ctx: StackContext): string[] {
  return ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dfinancelake.stack=${ctx.paths.stateDir}`,
    `-Dlog4j.configuration=file:${path.join(kafkaConf(ctx), 'log4j.properties')}`, '-cp', `${kafkaLibs(ctx)}/*`];
}

const kafka: ServiceSpec = {
  name: 'kafka',
  port: (ctx) => ctx.config.ports.kafka,
  address: (ctx) => `${HOST}:${ctx.config.ports.kafka}`,
  installStep: 'kafka',
  requires: (ctx) => [path.join(kafkaLibs(ctx), '.complete')],
  signature: (ctx) => `kafka.Kafka ${path.join(kafkaConf(ctx), 'server.properties')}`,
  async prepare(ctx, log) {
    const { kafka: port, kafkaController: controller } = ctx.config.ports;
    const props = path.join(kafkaConf(ctx), 'server.properties');
    writeIfChanged(props, [
      '# Generated by infra/ on every start: single KRaft node, broker and controller.',
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${HOST}:${controller}`,
      `listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controller}`,
      `advertised.listeners=PLAINTEXT://${HOST}:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${kafkaData(ctx)}`,
      'num.partitions=1',
      'default.replication.factor=1',
      'min.insync.replicas=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=10',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      'log.retention.hours=168',
      '',
    ].join('\n'));
    writeIfChanged(path.join(kafkaConf(ctx), 'log4j.properties'), `${LOG4J}log4j.logger.kafka=INFO\nlog4j.logger.org.apache.kafka=INFO\nlog4j.logger.state.change.logger=WARN\nlog4j.logger.kafka.request.logger=WARN\n`);
    if (fs.existsSync(path.join(kafkaData(ctx), 'meta.properties'))) return;
    const id = kafkaClusterId();
    log(`kafka: formatting storage ${kafkaData(ctx)} (cluster id ${id})`);
    fs.mkdirSync(kafkaData(ctx), { recursive: true });
    await execFileAsync(javaBin(), [...kafkaJvm(ctx), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', props], { timeout: 120_000 });
  },
  launch(ctx) {
    return { command: javaBin(), args: [...kafkaJvm(ctx), 'kafka.Kafka', path.join(kafkaConf(ctx), 'server.properties')], cwd: ctx.paths.stateDir };
  },
  async health(ctx) {
    const { Kafka, logLevel } = await kafkajs();
    const admin = new Kafka({
      clientId: 'financelake-infra', brokers: [`${HOST}:${ctx.config.ports.kafka}`], logLevel: logLevel.NOTHING,
      connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 ? undefined : 'metadata lists no broker';
    } catch (err) {
      return `metadata request fails: ${reason(err)}`;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
  startTimeoutMs: 120_000,
  stopGraceMs: 20_000,
};

// ---------------------------------------------------------------- HDFS (NameNode + DataNode)

const hadoopLibs = (ctx: StackContext) => path.join(ctx.paths.infraDir, 'hadoop', 'libs');
const hdfsConf = (ctx: StackContext) => path.join(ctx.paths.confDir, 'hdfs');
const hdfsData = (ctx: StackContext) => path.join(ctx.paths.dataDir, 'hdfs');

function siteXml(props: Record<string, string | number | boolean>): string {
  const body = Object.entries(props).map(([k, v]) => `  <property><name>${k}</name><value>${v}</value></property>`).join('\n');
  return `<?xml version="1.0"?>\n<!-- Generated by infra/ on every start. -->\n<configuration>\n${body}\n</configuration>\n`;
}

function writeHdfsConf(ctx: StackContext): void {
  const p = ctx.config.ports;
  const conf = hdfsConf(ctx);
  // The Maven jars carry no web apps; the HTTP servers only need these folders on the classpath.
  for (const d of ['hdfs', 'datanode', 'static', 'secondary', 'journal']) fs.mkdirSync(path.join(conf, 'webapps', d), { recursive: true });
  writeIfChanged(path.join(conf, 'core-site.xml'), siteXml({
    'fs.defaultFS': `hdfs://${HOST}:${p.hdfsNameNodeRpc}`,
    'hadoop.tmp.dir': path.join(hdfsData(ctx), 'tmp'),
    'hadoop.http.staticuser.user': 'financelake',
  }));
  writeIfChanged(path.join(conf, 'hdfs-site.xml'), siteXml({
    'dfs.replication': 1,
    'dfs.namenode.name.dir': path.join(hdfsData(ctx), 'name'),
    'dfs.datanode.data.dir': path.join(hdfsData(ctx), 'data'),
    'dfs.namenode.rpc-address': `${HOST}:${p.hdfsNameNodeRpc}`,
    'dfs.namenode.rpc-bind-host': HOST,
    'dfs.namenode.http-address': `${HOST}:${p.hdfsNameNodeHttp}`,
    'dfs.namenode.http-bind-host': HOST,
    'dfs.namenode.servicerpc-bind-host': HOST,
    'dfs.namenode.secondary.http-address': `${HOST}:0`,
    'dfs.datanode.address': `${HOST}:${p.hdfsDataNode}`,
    'dfs.datanode.http.address': `${HOST}:${p.hdfsDataNodeHttp}`,
    'dfs.datanode.ipc.address': `${HOST}:${p.hdfsDataNodeIpc}`,
    // WebHDFS redirects a client to the DataNode by this name: reachable from this machine.
    'dfs.datanode.hostname': HOST,
    'dfs.permissions.enabled': false,
    'dfs.webhdfs.enabled': true,
    // One DataNode: leave safe mode at once, and notice a stopped DataNode within a minute.
    'dfs.namenode.safemode.threshold-pct': 0,
    'dfs.namenode.safemode.extension': 0,
    'dfs.namenode.heartbeat.recheck-interval': 15_000,
    'dfs.client.block.write.replace-datanode-on-failure.enable': false,
    // WebHDFS writes go through a DFS client inside the DataNode, whose file close polls the
    // NameNode first after 400 ms by default: small files (Delta commits) took ~0.45 s each.
    'dfs.client.block.write.locateFollowingBlock.initial.delay.ms': 10,
    // One replica: a close need not wait for the last block's report to reach the NameNode.
    'dfs.namenode.file.close.num-committed-allowed': 1,
  }));
  writeIfChanged(path.join(conf, 'log4j.properties'), `${LOG4J}log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR\nlog4j.logger.org.apache.hadoop.metrics2=WARN\n`
    // The health checks poll /jmx: no access log line per poll, and no stack trace for an
    // attribute read while the daemon is still starting.
    + 'log4j.logger.http.requests=WARN\nlog4j.logger.org.apache.hadoop.jmx.JMXJsonServlet=FATAL\n');
}

function hadoopJvm(ctx: StackContext, service: ServiceName): string[] {
  return ['-Xms128m', '-Xmx512m', '-Djava.net.preferIPv4Stack=true',
    // Hadoop 3.4 on Java 17
    '--add-opens', 'java.base/java.lang=ALL-UNNAMED', '--add-opens', 'java.base/java.util=ALL-UNNAMED',
    '--add-opens', 'java.base/java.nio=ALL-UNNAMED', '--add-opens', 'java.base/sun.nio.ch=ALL-UNNAMED',
    `-Dfinancelake.stack=${ctx.paths.stateDir}`, `-Dfinancelake.service=${service}`,
    `-Dhadoop.log.dir=${ctx.paths.runDir}`, '-Dhadoop.security.logger=WARN,stdout',
    '-cp', `${hdfsConf(ctx)}:${hadoopLibs(ctx)}/*`];
}

interface Jmx { beans?: Array<Record<string, unknown>> }
async function jmx(port: number, query: string): Promise<Record<string, unknown> | undefined> {
  const res = await httpGet(`http://${HOST}:${port}/jmx?qry=${query}`);
  if (res.status !== 200) throw new Error(`/jmx answers ${res.status}`);
  return (JSON.parse(res.body) as Jmx).beans?.[0];
}

const NAMENODE_CLASS = 'org.apache.hadoop.hdfs.server.namenode.NameNode';
const DATANODE_CLASS = 'org.apache.hadoop.hdfs.server.datanode.DataNode';

const hdfsNameNode: ServiceSpec = {
  name: 'hdfs-namenode',
  port: (ctx) => ctx.config.ports.hdfsNameNodeHttp,
  address: (ctx) => `${HOST}:${ctx.config.ports.hdfsNameNodeRpc}`,
  url: (ctx) => `http://${HOST}:${ctx.config.ports.hdfsNameNodeHttp}`,
  installStep: 'hadoop',
  requires: (ctx) => [path.join(hadoopLibs(ctx), '.complete')],
  signature: (ctx) => `-Dfinancelake.stack=${ctx.paths.stateDir} -Dfinancelake.service=hdfs-namenode`,
  async prepare(ctx, log) {
    writeHdfsConf(ctx);
    if (fs.existsSync(path.join(hdfsData(ctx), 'name', 'current', 'VERSION'))) return;
    log(`hdfs-namenode: formatting ${path.join(hdfsData(ctx), 'name')}`);
    // A new namespace: blocks of an older one would make the DataNode refuse to join.
    fs.rmSync(path.join(hdfsData(ctx), 'data'), { recursive: true, force: true });
    const out = await execFileAsync(javaBin(), [...hadoopJvm(ctx, 'hdfs-namenode'), NAMENODE_CLASS, '-format', '-nonInteractive', '-force', '-clusterid', 'financelake'], { timeout: 120_000 });
    fs.appendFileSync(logFile(ctx, 'hdfs-namenode'), out.stdout + out.stderr);
  },
  launch(ctx) {
    return { command: javaBin(), args: [...hadoopJvm(ctx, 'hdfs-namenode'), NAMENODE_CLASS], cwd: ctx.paths.stateDir };
  },
  async health(ctx) {
    try {
      const bean = await jmx(ctx.config.ports.hdfsNameNodeHttp, 'Hadoop:service=NameNode,name=FSNamesystemState');
      if (!bean) return 'NameNode /jmx has no FSNamesystemState yet';
      return bean.FSState === 'Operational' ? undefined : `FSState ${String(bean.FSState)}`;
    } catch (err) {
      return `NameNode /jmx does not answer: ${reason(err)}`;
    }
  },
  startTimeoutMs: 180_000,
  stopGraceMs: 15_000,
};

const hdfsDataNode: ServiceSpec = {
  name: 'hdfs-datanode',
  port: (ctx) => ctx.config.ports.hdfsDataNodeHttp,
  address: (ctx) => `${HOST}:${ctx.config.ports.hdfsDataNode}`,
  url: (ctx) => `http://${HOST}:${ctx.config.ports.hdfsDataNodeHttp}`,
  needs: ['hdfs-namenode'],
  installStep: 'hadoop',
  requires: (ctx) => [path.join(hadoopLibs(ctx), '.complete')],
  signature: (ctx) => `-Dfinancelake.stack=${ctx.paths.stateDir} -Dfinancelake.service=hdfs-datanode`,
  async prepare(ctx) {
    writeHdfsConf(ctx);
  },
  launch(ctx) {
    return { command: javaBin(), args: [...hadoopJvm(ctx, 'hdfs-datanode'), DATANODE_CLASS], cwd: ctx.paths.stateDir };
  },
  async health(ctx) {
    // Healthy when the NameNode, out of safe mode, counts a live DataNode and this DataNode
    // says it has registered (the NameNode alone may still count a DataNode just stopped).
    try {
      const ns = await jmx(ctx.config.ports.hdfsNameNodeHttp, 'Hadoop:service=NameNode,name=FSNamesystemState');
      if (Number(ns?.NumLiveDataNodes ?? 0) < 1) return 'NameNode counts no live DataNode yet';
      const info = await jmx(ctx.config.ports.hdfsNameNodeHttp, 'Hadoop:service=NameNode,name=NameNodeInfo');
      if (info?.Safemode) return `NameNode in safe mode: ${String(info.Safemode)}`;
    } catch (err) {
      return `NameNode /jmx does not answer: ${reason(err)}`;
    }
    try {
      const dn = await jmx(ctx.config.ports.hdfsDataNodeHttp, 'Hadoop:service=DataNode,name=DataNodeInfo');
      const actors = JSON.parse(String(dn?.BPServiceActorInfo ?? '[]')) as Array<{ ActorState?: string }>;
      return actors.some((a) => a.ActorState === 'RUNNING') ? undefined : 'DataNode has not registered with the NameNode yet';
    } catch (err) {
      return `DataNode /jmx does not answer: ${reason(err)}`;
    }
  },
  startTimeoutMs: 180_000,
  stopGraceMs: 15_000,
};

export const SERVICES: Record<ServiceName, ServiceSpec> = {
  temporal, minio, minio2, kafka, 'hdfs-namenode': hdfsNameNode, 'hdfs-datanode': hdfsDataNode,
};
