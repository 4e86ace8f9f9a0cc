/**
 * A PRIVATE HDFS (NameNode + DataNode) for one test file, started through the infra API
 * (infra/stack.ts) with its own stack folder and kernel-picked ports, so a test may stop its
 * DataNode, or load it, without touching the shared stack other suites use. Same generated
 * core-site/hdfs-site as the shared stack. Starting costs ~20-30 s on the loaded 2-core machine
 * (the NameNode format is most of it).
 *
 *   const hdfs = await startPrivateHdfs();
 *   openStore(hdfs.url('/t'), hdfs.storeOptions);  await hdfs.stopDataNode(); await hdfs.startDataNode();
 *   await hdfs.dispose();
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/env';
import { ensureUp, stop, type StackOptions } from '../../infra/stack';
import type { OpenStoreOptions } from '../../lakehouse';
import { freePorts } from './stack';

const PORT_VARS = ['HDFS_NAMENODE_RPC_PORT', 'HDFS_NAMENODE_HTTP_PORT', 'HDFS_DATANODE_PORT', 'HDFS_DATANODE_HTTP_PORT', 'HDFS_DATANODE_IPC_PORT'] as const;

export interface PrivateHdfs {
  rpcPort: number;
  httpPort: number;
  dataNodeHttpPort: number;
  /** Env that points config/env.ts (loadConfig) at this HDFS: for child processes. */
  env: Record<string, string>;
  storeOptions: OpenStoreOptions;
  /** hdfs://127.0.0.1:<rpc><path> */
  url(p: string): string;
  stopDataNode(): Promise<void>;
  startDataNode(): Promise<void>;
  /** Milliseconds `startPrivateHdfs` took. */
  startMs: number;
  dispose(): Promise<void>;
}

export async function startPrivateHdfs(label = 'hdfs'): Promise<PrivateHdfs> {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `financelake-private-${label}-`));
  const ports = await freePorts(PORT_VARS.length);
  const portEnv = Object.fromEntries(PORT_VARS.map((v, i) => [v, String(ports[i])]));
  const env = { ...process.env, ...portEnv, FINANCELAKE_STACK_DIR: dir };
  const opts: StackOptions = { env, config: loadConfig(env), stateDir: dir };
  const dispose = async () => {
    await stop(['hdfs-datanode', 'hdfs-namenode'], opts).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ensureUp(['hdfs-namenode', 'hdfs-datanode'], opts);
  } catch (err) {
    await dispose();
    throw err;
  }
  const [rpcPort, httpPort, , dataNodeHttpPort] = ports;
  return {
    rpcPort,
    httpPort,
    dataNodeHttpPort,
    env: portEnv,
    storeOptions: { hdfs: { httpPort, user: 'root' } },
    url: (p) => `hdfs://127.0.0.1:${rpcPort}${p.startsWith('/') ? p : `/${p}`}`,
    stopDataNode: async () => {
      const [r] = await stop(['hdfs-datanode'], opts);
      if (r.outcome === 'not-running') throw new Error('private DataNode was not running');
    },
    startDataNode: async () => {
      await ensureUp(['hdfs-datanode'], opts);
    },
    startMs: Date.now() - t0,
    dispose,
  };
}
