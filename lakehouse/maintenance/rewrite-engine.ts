/**
 * The DuckDB instance a rewrite (OPTIMIZE, Z-ORDER) reads and writes on.
 *
 * A rewrite reads every file of its bins exactly once. DuckDB's external file cache (on by
 * default, and only settable for a whole database) copies every byte read into cache buffers
 * first: for the 10,000-file optimize bench that is about a sixth of the CPU (copy of the 10,000
 * files into two: 3.84 s -> 3.18 s CPU, median of 4). The worker's engine keeps its cache (its
 * queries re-read files), so a rewrite of files on local disk runs on an instance of its own,
 * open while rewrites run, with the cache off (and its validation: below), the worker engine's
 * threads, memory limit and extension directory, and a temp folder of its own (two instances
 * must not share spill files). Rewrites running at once share it (below).
 *
 * Tables on S3 stay on the worker's engine: it holds the warehouse's S3 secrets (scoped per
 * bucket by Warehouse.open), which a fresh instance would lack.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb';
import { directRoot } from '../engine/write';
import type { TableHandle as DeltaTable } from './handle';

export interface RewriteEngine {
  engine: Engine;
  /** Releases the rewrite instance (the last user closes it and removes its temp folder); a no-op for the worker's engine. */
  close(): Promise<void>;
}

interface Shared {
  opening: Promise<Engine>;
  users: number;
}

/**
 * One rewrite instance per worker engine, shared by the rewrites running at once (the maintenance
 * workflow optimizes tables side by side): they split its threads and memory limit as they
 * would the worker engine's, so the process holds at most one extra DuckDB budget.
 */
const instances = new WeakMap<Engine, Shared>();

export async function openRewriteEngine(table: DeltaTable): Promise<RewriteEngine> {
  const root = directRoot(table.store);
  if (root === undefined || root.includes('://')) return { engine: table.engine, close: async () => undefined };
  const base = table.engine;
  let shared = instances.get(base);
  if (!shared) {
    shared = { opening: createInstance(base), users: 0 };
    instances.set(base, shared);
  }
  const entry = shared;
  entry.users++;
  const release = async (engine?: Engine): Promise<void> => {
    if (--entry.users > 0) return;
    if (instances.get(base) === entry) instances.delete(base);
    if (engine) await closeInstance(engine);
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

async function createInstance(base: Engine): Promise<Engine> {
  const o = base.options;
  const parent = o.tempDirectory ?? os.tmpdir();
  await removeEmptyLeftovers(parent);
  const tempDirectory = path.join(parent, `${PREFIX}${randomUUID()}`);
  // DuckDB creates only the last level of a temp folder, and the worker's may not exist yet.
  await fs.mkdir(tempDirectory, { recursive: true });
  let engine: Engine;
  try {
    engine = await Engine.create({ threads: o.threads, memoryLimit: o.memoryLimit, extensionDirectory: o.extensionDirectory, tempDirectory });
  } catch (err) {
    await fs.rm(tempDirectory, { recursive: true, force: true });
    throw err;
  }
  try {
    await engine.run('SET enable_external_file_cache = false');
    // Data files never change once written, and nothing is cached: without this DuckDB still
    // stats every file ~31 times while reading it (8 with it; 310,000 fstat calls for the bench's
    // 10,000 files, about a tenth of the run's CPU).
    await engine.run("SET validate_external_file_cache = 'NO_VALIDATION'");
  } catch (err) {
    await closeInstance(engine);
    throw err;
  }
  return engine;
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

async function closeInstance(engine: Engine): Promise<void> {
  await engine.close();
  await fs.rm(engine.options.tempDirectory!, { recursive: true, force: true });
}
