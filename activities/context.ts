/**
 * One Engine and one Warehouse per worker process, created on first use from loadConfig():
 * DuckDB is meant to be one instance per process, and every activity on this worker shares it.
 */
import { loadConfig, type Config } from '../config/env';
import { Engine, Warehouse, type EngineS3Options } from '../lakehouse';

export interface SharedContext {
  config: Config;
  engine: Engine;
  warehouse: Warehouse;
}

let current: Promise<SharedContext> | undefined;
let configOverride: Config | undefined;

/** Use this config instead of loadConfig() (tests, the in-process worker of `financelake start`). */
export function useConfig(config: Config): void {
  if (current) throw new Error('useConfig: the shared context is already open; call closeSharedContext() first');
  configOverride = config;
}

export function s3Options(config: Config, url: string): EngineS3Options | undefined {
  if (!url.startsWith('s3://')) return undefined;
  // TLS follows the endpoint's scheme (http:// or https://).
  const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = config.s3;
  return { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle };
}

async function open(config: Config): Promise<SharedContext> {
  const s3 = s3Options(config, config.warehouse) ?? s3Options(config, config.landing);
  const engine = await Engine.create({
    memoryLimit: config.duckdb.memoryLimit,
    threads: config.duckdb.threads,
    tempDirectory: config.duckdb.tempDirectory,
    extensionDirectory: config.duckdb.extensionDirectory,
    ...(s3 ? { s3 } : {}),
  });
  try {
    const warehouse = await Warehouse.open(config.warehouse, { engine, ...(s3 ? { s3 } : {}), hdfs: { httpPort: config.ports.hdfsNameNodeHttp } });
    return { config, engine, warehouse };
  } catch (e) {
    await engine.close();
    throw e;
  }
}

export function sharedContext(): Promise<SharedContext> {
  if (!current) {
    const config = configOverride ?? loadConfig();
    current = open(config);
    // A failed open (e.g. MinIO down) must not stick: the next activity attempt tries again.
    current.catch(() => {
      current = undefined;
    });
  }
  return current;
}

export async function closeSharedContext(): Promise<void> {
  const c = current;
  current = undefined;
  if (!c) return;
  try {
    await (await c).engine.close();
  } catch {
    // never opened: nothing to close
  }
}
