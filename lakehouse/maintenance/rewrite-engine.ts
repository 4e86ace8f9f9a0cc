/**
 * The DuckDB instance a rewrite (OPTIMIZE, Z-ORDER) reads and writes on.
 *
 * A rewrite reads every file of its bins exactly once. DuckDB's external file cache (on by
 * default, and only settable for a whole database) copies every byte read into cache buffers
 * first: for the 10,000-file optimize bench that is about a sixth of the CPU (copy of the 10,000
 * files into two: 3.84 s -> 3.18 s CPU, median of 4). The worker's engine keeps its cache (its
 * queries re-read files), so a rewrite of files on local disk runs on an instance of its own,
 * open while rewrites run, with the cache off (and its validation: below), the worker engine's
 * threads and extension directory, a share of its memory budget (below), and a temp folder of its
 * own (two instances must not share spill files). Rewrites running at once share it (below).
 *
 * Tables on S3 stay on the worker's engine: it holds the warehouse's S3 secrets (scoped per
 * bucket by Warehouse.open), which a fresh instance would lack.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { literal } from '../delta/schema';
import { Engine, type DuckDBConnection } from '../engine/duckdb';
import { directRoot } from '../engine/write';
import type { TableHandle as DeltaTable } from './handle';

export interface RewriteEngine {
  engine: Engine;
  /** Releases the rewrite instance (the last user closes it and removes its temp folder); a no-op for the worker's engine. */
  close(): Promise<void>;
}

interface Shared {
  /** The rewrite instance; the worker's engine itself when it could not give up a share (below). */
  opening: Promise<Engine>;
  users: number;
}

/**
 * One rewrite instance per worker engine, shared by the rewrites running at once (the maintenance
 * workflow optimizes tables side by side): they split its threads and memory as they would the
 * worker engine's.
 */
const instances = new WeakMap<Engine, Shared>();
/**
 * The close of a worker engine's last rewrite instance, which the next one waits for: otherwise a
 * rewrite starting while it closes would split the worker's limit again before the close gives it
 * back in full (two instances, and a worker at its full limit beside one of them).
 */
const closing = new WeakMap<Engine, Promise<void>>();

export async function openRewriteEngine(table: DeltaTable): Promise<RewriteEngine> {
  const root = directRoot(table.store);
  if (root === undefined || root.includes('://')) return { engine: table.engine, close: async () => undefined };
  const base = table.engine;
  let shared = instances.get(base);
  if (!shared) {
    shared = { opening: (closing.get(base) ?? Promise.resolve()).then(() => createInstance(base)), users: 0 };
    instances.set(base, shared);
  }
  const entry = shared;
  entry.users++;
  const release = async (engine?: Engine): Promise<void> => {
    if (--entry.users > 0) return;
    if (instances.get(base) === entry) instances.delete(base);
    if (!engine || engine === base) return;
    const done = closeInstance(base, engine);
    closing.set(base, done.catch(() => undefined));
    await done;
  };
  let engine: Engine;
  try {
    engine = await entry.opening;
  } catch (err) {
    await release();
    throw err;
  }
  let released = false;
  return {
    engine,
    close: async () => {
      if (released) return;
      released = true;
      await release(engine);
    },
  };
}

const PREFIX = 'financelake-rewrite-';

/**
 * One memory budget per process: while the rewrite instance is open the worker engine's limit and
 * its own sum to the worker's budget. The worker keeps three quarters: pipeline queries (joins,
 * dedup, aggregates) hold hash tables and sort runs, while a rewrite streams (a COPY holds a row
 * group per thread); only Z-order holds a bin (a temp table), which spills to the instance's
 * temp folder. Without a configured limit the budget is DuckDB's default for the worker engine (80 %
 * of the memory it finds, as it reports it): split the same way, and RESET when the last rewrite
 * closes.
 */
const WORKER_SHARE = 0.75;

async function createInstance(base: Engine): Promise<Engine> {
  const o = base.options;
  const parent = o.tempDirectory ?? os.tmpdir();
  await removeEmptyLeftovers(parent);
  const budget = await budgetOf(base);
  if (budget === undefined) return base;
  const worker = Math.floor(budget * WORKER_SHARE);
  try {
    await setWorkerLimit(base, `${worker}B`);
  } catch {
    // DuckDB could not evict enough of what the worker holds (memory it cannot spill): the
    // rewrite runs on the worker's engine (its file cache on, one budget). A failed SET leaves
    // the setting at the new value while the buffer pool keeps the old one, so it is set back.
    await setWorkerLimit(base, o.memoryLimit);
    return base;
  }
  const tempDirectory = path.join(parent, `${PREFIX}${randomUUID()}`);
  let engine: Engine;
  try {
    // DuckDB creates only the last level of a temp folder, and the worker's may not exist yet.
    await fs.mkdir(tempDirectory, { recursive: true });
    engine = await Engine.create({ threads: o.threads, memoryLimit: `${budget - worker}B`, extensionDirectory: o.extensionDirectory, tempDirectory });
  } catch (err) {
    // err is the one to report (an rm error would hide it); a folder left behind is empty: the next instance removes it
    await fs.rm(tempDirectory, { recursive: true, force: true }).catch(() => undefined);
    await setWorkerLimit(base, o.memoryLimit);
    throw err;
  }
  try {
    await engine.run('SET enable_external_file_cache = false');
    // Data files never change once written, and nothing is cached: without this DuckDB still
    // stats every file ~31 times while reading it (8 with it; 310,000 fstat calls for the bench's
    // 10,000 files, about a tenth of the run's CPU).
    await engine.run("SET validate_external_file_cache = 'NO_VALIDATION'");
  } catch (err) {
    await closeInstance(base, engine);
    throw err;
  }
  return engine;
}

/**
 * The worker engine's budget in bytes: its configured limit, or what DuckDB reports (its default,
 * also for '-1', or a limit in a form not parsed here). Undefined if that is not a size either:
 * then the rewrite runs on the worker's engine (one budget).
 */
async function budgetOf(base: Engine): Promise<number | undefined> {
  const configured = base.options.memoryLimit === undefined ? undefined : bytes(base.options.memoryLimit);
  if (configured !== undefined) return configured;
  const [row] = await onOwnConnection(base, (conn) => base.all<{ limit: unknown }>("SELECT current_setting('memory_limit') AS limit", conn));
  return bytes(String(row?.limit));
}

const UNITS: Record<string, number> = { b: 1, byte: 1, bytes: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/**
 * A size in DuckDB's units (KB..TB are powers of 1000, KiB..TiB of 1024). DuckDB reports a limit
 * truncated to a tenth of its unit (1GB as `953.6 MiB`): the lower end, so shares never sum above it.
 */
function bytes(size: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(size);
  const unit = m && UNITS[m[2]!.toLowerCase()];
  return unit ? Math.floor(Number(m[1]) * unit) : undefined;
}

/** `limit`, or DuckDB's default when undefined, for the whole worker engine. */
async function setWorkerLimit(base: Engine, limit: string | undefined): Promise<void> {
  await onOwnConnection(base, (conn) => base.run(limit === undefined ? 'RESET memory_limit' : `SET memory_limit = ${literal(limit)}`, conn));
}

/** The setting is the instance's: a connection of its own need not queue behind the worker's shared one. */
async function onOwnConnection<T>(base: Engine, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await base.connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
  }
}

/**
 * A worker killed mid-rewrite leaves its folder behind. Empty ones go (rmdir removes nothing
 * else, and a live instance whose empty folder went recreates it when it spills); one holding a
 * killed run's spill files stays: a live instance may be using it.
 */
async function removeEmptyLeftovers(parent: string): Promise<void> {
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(PREFIX)).map((n) => fs.rmdir(path.join(parent, n)).catch(() => undefined)));
}

/** Closes the rewrite instance, then gives the worker engine its full limit back (also when the close fails). */
async function closeInstance(base: Engine, engine: Engine): Promise<void> {
  try {
    await engine.close();
  } finally {
    await Promise.all([fs.rm(engine.options.tempDirectory!, { recursive: true, force: true }), setWorkerLimit(base, base.options.memoryLimit)]);
  }
}
