/**
 * Test helpers for the lakehouse: one Engine per test file (extensions from the project's
 * cache), fresh local table locations under the OS temp dir, removed after the file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine, openStore, type EngineOptions, type ObjectStore } from '../../lakehouse';

export const ROOT = path.resolve(__dirname, '../..');
export const EXTENSION_DIR = path.join(ROOT, '.infra', 'duckdb_extensions');

const dirs: string[] = [];

export async function testEngine(opts: EngineOptions = {}): Promise<Engine> {
  return Engine.create({ threads: 2, memoryLimit: '1GB', extensionDirectory: EXTENSION_DIR, ...opts });
}

/** A new empty local directory, removed by cleanupDirs(). */
export async function tempDir(prefix = 'lakehouse-'): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A store rooted at a fresh local table location. */
export async function localTableStore(): Promise<ObjectStore> {
  return openStore(await tempDir('delta-'));
}

export async function cleanupDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
}

/** Rows sorted by a JSON key, for order-insensitive comparisons. */
export function sortRows<T>(rows: T[]): T[] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}
