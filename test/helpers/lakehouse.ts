/**
 * Test helpers for the lakehouse: one Engine per test file (extensions from the project's
 * cache), fresh local table locations under the OS temp dir, removed after the file.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeltaTable, Engine, openStore, type EngineOptions, type ObjectStore } from '../../lakehouse';

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

const WRITER_FIXTURE = path.join(ROOT, 'test', 'integration', 'fixtures', 'lakehouse-writer.ts');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** One separate writer process (fixtures/lakehouse-writer.ts); one parsed JSON line per attempt. */
export function runLakehouseWriter(args: string[], opts: { timeoutMs: number; env?: Record<string, string> }): Promise<Array<Record<string, any>>> {
  return new Promise((resolve, reject) => {
    execFile(TSX, [WRITER_FIXTURE, ...args], { cwd: ROOT, timeout: opts.timeoutMs, env: { ...process.env, ...opts.env } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`writer ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      resolve(stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    });
  });
}

/** The table the writer processes race on: (id, date, writer), partitioned by date. */
export function createConcurrentTable(store: ObjectStore, engine: Engine): Promise<DeltaTable> {
  return DeltaTable.create(
    store,
    engine,
    { fields: [{ name: 'id', type: 'long' }, { name: 'date', type: 'date' }, { name: 'writer', type: 'integer' }], partitionColumns: ['date'] },
    'test.concurrent',
  );
}
