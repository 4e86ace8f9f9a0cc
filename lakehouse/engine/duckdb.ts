/**
 * The Engine: one DuckDB instance per process, configured for spilling (memory limit, temp
 * directory), with httpfs and an S3 secret when an S3 endpoint is configured, so Parquet is
 * read and written straight on the object store.
 */
import { createHash } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../delta/schema';
import { toJs } from './values';

import type { S3Options } from '../storage';

/** The storage layer's S3Options (endpoint http(s)://host:port; TLS follows the endpoint's scheme). */
export type EngineS3Options = S3Options;

export interface EngineOptions {
  memoryLimit?: string;
  threads?: number;
  tempDirectory?: string;
  /** Where installed extensions live (the project's .infra/duckdb_extensions). */
  extensionDirectory?: string;
  s3?: EngineS3Options;
  /** Bounded local cache for stores DuckDB cannot reach (HDFS). */
  cacheDir?: string;
  cacheMaxBytes?: number;
  /**
   * DuckDB's preserve_insertion_order (default true); false lets big writes stream with less memory.
   * Database-wide: only for an engine whose every query is order-free (never the worker's shared one).
   */
  preserveInsertionOrder?: boolean;
}

export class Engine {
  private readonly secrets = new Set<string>();
  private httpfs: Promise<void> | undefined;
  private shared: Promise<DuckDBConnection> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly instance: DuckDBInstance,
    readonly options: EngineOptions,
  ) {}

  static async create(opts: EngineOptions = {}): Promise<Engine> {
    const config: Record<string, string> = {};
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.tempDirectory) config.temp_directory = opts.tempDirectory;
    if (opts.extensionDirectory) config.extension_directory = opts.extensionDirectory;
    if (opts.preserveInsertionOrder === false) config.preserve_insertion_order = 'false';
    const instance = await DuckDBInstance.create(':memory:', config);
    const engine = new Engine(instance, opts);
    if (opts.s3) await engine.configureS3(opts.s3);
    return engine;
  }

  /** A fresh connection: temp views and settings are per connection. */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Run a statement; without `conn`, on the engine's own connection (serialised). */
  async run(sql: string, conn?: DuckDBConnection): Promise<void> {
    if (conn) {
      await conn.run(sql);
      return;
    }
    await this.onShared(async (c) => {
      await c.run(sql);
    });
  }

  async all<T = Record<string, unknown>>(sql: string, conn?: DuckDBConnection): Promise<T[]> {
    const read = async (c: DuckDBConnection): Promise<T[]> => {
      const reader = await c.runAndReadAll(sql);
      const names = reader.columnNames();
      return reader.getRows().map((row) => {
        const obj: Record<string, unknown> = {};
        names.forEach((n, i) => (obj[n] = toJs(row[i])));
        return obj as T;
      });
    };
    return conn ? read(conn) : this.onShared(read);
  }

  /** Load httpfs (installing it only where the cache lacks it) and register an S3 secret. */
  async configureS3(s3: EngineS3Options, scope?: string): Promise<void> {
    await this.loadExtension('httpfs');
    const key = JSON.stringify([s3.endpoint, s3.accessKeyId, scope ?? '']);
    if (this.secrets.has(key)) return;
    const parts = ['TYPE s3', 'PROVIDER config'];
    if (s3.accessKeyId) parts.push(`KEY_ID ${literal(s3.accessKeyId)}`);
    if (s3.secretAccessKey) parts.push(`SECRET ${literal(s3.secretAccessKey)}`);
    if (s3.sessionToken) parts.push(`SESSION_TOKEN ${literal(s3.sessionToken)}`);
    parts.push(`REGION ${literal(s3.region ?? 'us-east-1')}`);
    if (s3.endpoint) {
      const url = new URL(s3.endpoint);
      parts.push(`ENDPOINT ${literal(url.host)}`);
      parts.push(`USE_SSL ${url.protocol === 'https:'}`);
    }
    parts.push(`URL_STYLE ${literal(s3.forcePathStyle === false ? 'vhost' : 'path')}`);
    if (scope) parts.push(`SCOPE ${literal(scope)}`);
    // Named after what it holds, so concurrent calls never pick the same name for different secrets.
    const name = `s3_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
    // The statement holds credentials: it is never logged, and errors are re-thrown without it.
    try {
      await this.run(`CREATE OR REPLACE SECRET ${name} (${parts.join(', ')})`);
    } catch (err) {
      throw new Error(`could not register the S3 secret for ${s3.endpoint ?? 'default endpoint'}: ${(err as Error).message.replace(/SECRET '[^']*'/g, "SECRET '***'")}`);
    }
    this.secrets.add(key);
  }

  async loadExtension(name: 'httpfs' | 'delta'): Promise<void> {
    if (name === 'httpfs') {
      this.httpfs ??= this.load(name);
      return this.httpfs;
    }
    return this.load(name);
  }

  private async load(name: string): Promise<void> {
    try {
      await this.run(`LOAD ${name}`);
    } catch {
      // Not in the extension directory: the ordinary path on a machine with internet access.
      await this.run(`INSTALL ${name}`);
      await this.run(`LOAD ${name}`);
    }
  }

  async close(): Promise<void> {
    if (this.shared) (await this.shared).closeSync();
    this.instance.closeSync();
  }

  private async onShared<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    this.shared ??= this.instance.connect();
    const conn = await this.shared;
    // One statement at a time on the shared connection; callers wanting parallelism connect().
    const next = this.queue.then(() => fn(conn));
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export type { DuckDBConnection };
