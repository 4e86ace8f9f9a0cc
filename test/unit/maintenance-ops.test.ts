/**
 * Table maintenance against tables written by delta-rs (an independent writer and reader):
 * our analyze/optimize/zorder/vacuum/restore/log cleanup run on them, and delta-rs must read
 * the result with the same rows at every step.
 */
import { runPython } from '../helpers/python';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../lakehouse/engine/duckdb';
import { DuckDBCheckpointIO } from '../../lakehouse/engine/checkpoint-io';
import { loadSnapshot } from '../../lakehouse/delta/snapshot';
import { writeCheckpoint } from '../../lakehouse/delta/checkpoint';
import { LocalStore } from '../../lakehouse/storage/local';
import { analyze, cleanupExpiredLogs, filesForPredicate, optimize, packBins, restoreTable, vacuum, zorder, type TableHandle } from '../../lakehouse/maintenance';
import { rewriteBins } from '../../lakehouse/maintenance/rewrite';
import { openRewriteEngine } from '../../lakehouse/maintenance/rewrite-engine';
import { S3Store } from '../../lakehouse/storage/s3';
import type { AddFile } from '../../lakehouse/delta/actions';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fl-maint-unit-'));
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(async () => {
  await engine?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** delta-rs via Python (test/helpers/python.ts retries only a native abort under load). */
const py = (script: string): string => runPython(script);

/** `n` appends of `per` rows each (ids from `from`), partitioned by day d0/d1, x/y pseudo-random. */
function deltaAppends(dir: string, from: number, n: number, per: number): void {
  py(`
import pyarrow as pa
from deltalake import write_deltalake
start = ${from}
for k in range(${n}):
    ids = list(range(start, start + ${per}))
    start += ${per}
    t = pa.table({'id': pa.array(ids, pa.int64()), 'x': pa.array([(i * 7919) % 100 for i in ids], pa.int64()),
                  'y': pa.array([(i * 104729) % 97 for i in ids], pa.int64()), 'day': pa.array(['d%d' % (i % 2) for i in ids])})
    write_deltalake(${JSON.stringify(dir)}, t, mode='append', partition_by=['day'])
`);
}

/** delta-rs: version, sorted ids, active file count (optionally at a version / with a filter). */
function deltaRead(dir: string, opts: { version?: number; filter?: string } = {}): { version: number; ids: number[]; files: number } {
  return JSON.parse(
    py(`
import json, pyarrow.dataset as ds
from deltalake import DeltaTable
t = DeltaTable(${JSON.stringify(dir)}${opts.version === undefined ? '' : `, version=${opts.version}`})
tbl = t.to_pyarrow_dataset().to_table(${opts.filter ? `filter=${opts.filter}` : ''})
print(json.dumps({'version': t.version(), 'ids': sorted(tbl.column('id').to_pylist()), 'files': len(t.file_uris())}))
`),
  );
}

function handle(dir: string): TableHandle {
  const store = new LocalStore(dir);
  const io = new DuckDBCheckpointIO(engine);
  const h = {
    name: path.basename(dir),
    store,
    engine,
    snapshot: (at?: { version?: number; timestamp?: string | Date | number }) => loadSnapshot(store, { table: path.basename(dir), io, version: at?.version, timestamp: at?.timestamp }),
    checkpoint: async () => (await writeCheckpoint(store, await h.snapshot(), io)).version,
  };
  return h as unknown as TableHandle;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describe('maintenance on a delta-rs table (local disk)', () => {
  const dir = path.join(tmp, 'events');
  let t: TableHandle;
  let preOptimizeVersion = 0;

  it('analyze counts files per partition from the snapshot and flags small files', async () => {
    deltaAppends(dir, 0, 6, 50); // versions 0..5, each adds one file to d0 and one to d1
    t = handle(dir);
    const a = await analyze(t, { targetFileSize: 1024 * 1024, minSmallFiles: 4 });
    const rs = deltaRead(dir);
    expect(a.version).toBe(rs.version);
    expect(a.files).toBe(rs.files);
    expect(a.partitions.map((p) => [p.partition, p.files, p.rows])).toEqual([
      ['day=d0', 6, 150],
      ['day=d1', 6, 150],
    ]);
    expect(a.rows).toBe(rs.ids.length);
    expect(a.needsCompaction).toBe(true);
    expect(a.reason).toMatch(/2 of 2 partition\(s\) need compaction/);
    const relaxed = await analyze(t, { targetFileSize: 1024 * 1024, minSmallFiles: 7 });
    expect(relaxed.needsCompaction).toBe(false);
  });

  it('optimize lowers the file count, keeps the rows, and time travel still reads the old version', async () => {
    preOptimizeVersion = (await t.snapshot()).version;
    const before = deltaRead(dir);
    const r = await optimize(t, { targetFileSize: 1024 * 1024 });
    expect(r.conflicts).toBe(0);
    expect(r.partitions.map((p) => p.status)).toEqual(['rewritten', 'rewritten']);
    const after = deltaRead(dir);
    expect(after.files).toBe(2);
    expect(r.filesAfter).toBe(2);
    expect(after.ids).toEqual(before.ids);
    expect(deltaRead(dir, { version: preOptimizeVersion })).toEqual({ ...before });
    const snap = await t.snapshot();
    expect(snap.files.every((f) => f.dataChange === false)).toBe(true);
    // nothing left to do: a second run commits nothing
    const again = await optimize(t, { targetFileSize: 1024 * 1024 });
    expect(again.partitions).toHaveLength(0);
    expect((await t.snapshot()).version).toBe(snap.version);
    // The worker's engine is shared with the pipeline, which numbers landing-file lines by insertion
    // order and re-reads files through the external file cache: the rewrite changed neither setting.
    const [setting] = await engine.all<{ order: unknown; cache: unknown }>("SELECT current_setting('preserve_insertion_order') AS order, current_setting('enable_external_file_cache') AS cache");
    expect([String(setting.order), String(setting.cache)]).toEqual(['true', 'true']);
  });

  it('restore brings back the pre-optimize file set in a new commit', async () => {
    const v = (await t.snapshot()).version;
    const r = await restoreTable(t, { version: preOptimizeVersion });
    expect(r.version).toBe(v + 1);
    expect(r.metrics.numRestoredFiles).toBe(12);
    expect(r.metrics.numRemovedFiles).toBe(2);
    const rs = deltaRead(dir);
    expect(rs.files).toBe(12);
    expect(rs.ids).toEqual(range(0, 300));
    // and forward again to the optimized state
    await restoreTable(t, { version: v });
    expect(deltaRead(dir).files).toBe(2);
  });

  it('vacuum refuses a short retention, lists with dryRun, and deletes exactly the unreferenced old files', async () => {
    await expect(vacuum(t, { retentionHours: 1 })).rejects.toThrow(/below the safe minimum/);
    // an untracked old file (failed write long ago) and a fresh one (an in-flight write)
    mkdirSync(path.join(dir, 'day=d0'), { recursive: true });
    writeFileSync(path.join(dir, 'day=d0', 'orphan-old.parquet'), 'x');
    const old = new Date(Date.now() - 10 * 24 * 3600_000);
    utimesSync(path.join(dir, 'day=d0', 'orphan-old.parquet'), old, old);
    writeFileSync(path.join(dir, 'day=d0', 'inflight-new.parquet'), 'y');

    const future = new Date(Date.now() + 10 * 60_000); // written after the cutoff
    utimesSync(path.join(dir, 'day=d0', 'inflight-new.parquet'), future, future);

    const store = new LocalStore(dir);
    const listed = (await store.list('')).filter((o) => !o.key.startsWith('_delta_log/')).map((o) => o.key);
    const active = new Set((await t.snapshot()).files.map((f) => decodeURIComponent(f.path)));
    // 7 days: the compacted-away files were removed minutes ago, so only the old orphan goes
    const week = await vacuum(t, { dryRun: true });
    expect(week.files.map((f) => f.key)).toEqual(['day=d0/orphan-old.parquet']);
    expect(week.files[0].size).toBe(1);
    // forced to 0 h: every file outside the current snapshot, except the one newer than the cutoff
    const expected = listed.filter((k) => !active.has(k) && k !== 'day=d0/inflight-new.parquet').sort();
    expect(expected.length).toBe(12 + 1);
    const real = await vacuum(t, { retentionHours: 0, force: true });
    expect(real.files.map((f) => f.key).sort()).toEqual(expected);
    const remaining = (await store.list('')).filter((o) => !o.key.startsWith('_delta_log/')).map((o) => o.key).sort();
    expect(remaining).toEqual(listed.filter((k) => !expected.includes(k)).sort());
    expect(real.bytes).toBe(real.files.reduce((s, f) => s + f.size, 0));
    expect(real.commits).toHaveLength(2);
    expect(deltaRead(dir).ids).toEqual(range(0, 300));
  });

  it('expired-log cleanup drops only commits before a checkpoint older than the retention', async () => {
    const cp = await t.checkpoint();
    deltaAppends(dir, 300, 2, 10);
    const latest = (await t.snapshot()).version;
    const dry = await cleanupExpiredLogs(t, { retentionMs: 0, now: () => new Date(Date.now() + 1000), dryRun: true });
    expect(dry.fromCheckpoint).toBe(cp);
    expect(dry.deleted.filter((k) => k.endsWith('.json'))).toHaveLength(cp);
    const kept = await cleanupExpiredLogs(t, { now: () => new Date() }); // default 30 days: nothing expired
    expect(kept.deleted).toEqual([]);
    await cleanupExpiredLogs(t, { retentionMs: 0, now: () => new Date(Date.now() + 1000) });
    expect(deltaRead(dir).ids).toEqual(range(0, 320));
    expect(deltaRead(dir, { version: cp }).ids).toEqual(range(0, 300));
    expect((await t.snapshot({ version: latest - 1 })).version).toBe(latest - 1);
  });
});

describe('zorder (local disk)', () => {
  it('a point query on both columns reads fewer files after Z-ordering, with the same answer', async () => {
    const dir = path.join(tmp, 'points');
    deltaAppends(dir, 0, 8, 250); // 2000 rows, 8 files per partition, x and y spread over every file
    const t = handle(dir);
    const pred = "day = 'd0' AND x = 42 AND y = 17";
    const filter = "(ds.field('day') == 'd0') & (ds.field('x') == 42) & (ds.field('y') == 17)";
    const before = await filesForPredicate(t, pred);
    const answer = deltaRead(dir, { filter }).ids;
    const r = await zorder(t, ['x', 'y'], { rowsPerFile: 100 });
    expect(r.partitions.map((p) => p.status)).toEqual(['rewritten', 'rewritten']);
    const after = await filesForPredicate(t, pred);
    expect(before.filesScanned).toBe(8);
    expect(after.filesScanned).toBeLessThan(before.filesScanned);
    expect(after.filesTotal).toBe(20);
    expect(deltaRead(dir, { filter }).ids).toEqual(answer);
    expect(deltaRead(dir).ids).toEqual(range(0, 2000));
    // already Z-ordered by these columns: nothing to do
    expect((await zorder(t, ['x', 'y'], { rowsPerFile: 100 })).partitions).toHaveLength(0);
    console.log(`zorder point query ${pred}: files scanned ${before.filesScanned}/${before.filesTotal} before, ${after.filesScanned}/${after.filesTotal} after`);
  });
});

describe('a rewrite killed before its commit', () => {
  it('leaves the table as it was; the re-run completes; vacuum removes what the killed run wrote', async () => {
    const dir = path.join(tmp, 'killed');
    deltaAppends(dir, 0, 4, 200);
    const t = handle(dir);
    const before = deltaRead(dir);
    const listed = (await new LocalStore(dir).list('')).length;
    const root = path.resolve(__dirname, '../..');
    // The child Z-orders 100 rows a file and SIGKILLs itself once a few files are written,
    // i.e. in the middle of the rewrite, before any commit.
    const code = `
const { Engine } = require(${JSON.stringify(path.join(root, 'lakehouse/engine/duckdb'))});
const { DuckDBCheckpointIO } = require(${JSON.stringify(path.join(root, 'lakehouse/engine/checkpoint-io'))});
const { loadSnapshot } = require(${JSON.stringify(path.join(root, 'lakehouse/delta/snapshot'))});
const { LocalStore } = require(${JSON.stringify(path.join(root, 'lakehouse/storage/local'))});
const { zorder } = require(${JSON.stringify(path.join(root, 'lakehouse/maintenance'))});
(async () => {
  const engine = await Engine.create({ threads: 1 });
  const store = new LocalStore(${JSON.stringify(dir)});
  const io = new DuckDBCheckpointIO(engine);
  const t = { name: 'killed', store, engine, snapshot: (at) => loadSnapshot(store, { io, version: at && at.version }), checkpoint: async () => 0 };
  await zorder(t, ['x', 'y'], { rowsPerFile: 100, heartbeat: (d) => { if (d && d.rowsWritten >= 300) process.kill(process.pid, 'SIGKILL'); } });
  console.log('finished');
})();
`;
    const child = spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), '-e', code], { encoding: 'utf8' });
    // tsx runs the code in a child node: its SIGKILL shows as exit status 137 of the launcher
    expect(child.signal === 'SIGKILL' || child.status === 137, `status ${child.status} ${child.stderr}`).toBe(true);
    expect(child.stdout).not.toContain('finished');
    // nothing committed: same version, same rows; the killed run's files lie unreferenced
    expect(deltaRead(dir)).toEqual(before);
    const orphans = (await new LocalStore(dir).list('')).length - listed;
    expect(orphans).toBeGreaterThanOrEqual(3);

    const r = await zorder(t, ['x', 'y'], { rowsPerFile: 100 });
    expect(r.partitions.every((p) => p.status === 'rewritten')).toBe(true);
    expect(deltaRead(dir).ids).toEqual(before.ids);
    const v = await vacuum(t, { retentionHours: 0, force: true });
    expect(v.files.filter((f) => f.reason === 'untracked')).toHaveLength(orphans);
    expect(deltaRead(dir).ids).toEqual(before.ids);
  });
});

describe('the rewrite engine', () => {
  /** A table handle on local disk over `base` (the rewrite engine needs only its store and engine). */
  const on = (base: Engine, name: string, store: LocalStore | S3Store = new LocalStore(path.join(tmp, name))) => ({ name, store, engine: base, snapshot: async () => undefined as never, checkpoint: async () => 0 });
  const limit = async (e: Engine): Promise<string> => String((await e.all<{ v: unknown }>("SELECT current_setting('memory_limit') AS v"))[0].v);
  const UNIT: Record<string, number> = { bytes: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };
  /** DuckDB reports a limit truncated to a tenth of its unit: the bytes reported, and by how much fewer than the limit they may be. */
  const size = (reported: string): { bytes: number; off: number } => {
    const m = /^(\d+)(\.\d)? (bytes|KiB|MiB|GiB|TiB)$/.exec(reported);
    if (!m) throw new Error(`unexpected memory_limit ${reported}`);
    const unit = UNIT[m[3]!]!;
    return { bytes: Number(m[1]! + (m[2] ?? '')) * unit, off: m[2] ? 0.1 * unit : 0 };
  };
  /** The worker's limit and the rewrite instance's sum to the budget (one budget), the worker keeping the larger share. */
  async function expectOneBudget(base: Engine, rewrite: Engine, budget: { bytes: number; off: number }): Promise<void> {
    const w = size(await limit(base));
    const r = size(await limit(rewrite));
    expect(w.bytes + r.bytes).toBeLessThanOrEqual(budget.bytes + budget.off);
    expect(w.bytes + w.off + r.bytes + r.off).toBeGreaterThanOrEqual(budget.bytes);
    expect(w.bytes).toBeGreaterThan(2 * r.bytes);
  }

  it('a table on local disk gets an instance of its own without the file cache, shared by concurrent rewrites; the last close removes its temp folder', async () => {
    // no configured limit: the budget is DuckDB's default for the worker engine, given back by RESET
    const base = await Engine.create({ threads: 1, tempDirectory: path.join(tmp, 'spill') });
    // what killed workers left: an empty folder goes, one with spill files stays (a live run may own it)
    mkdirSync(path.join(tmp, 'spill', 'financelake-rewrite-killed-empty'), { recursive: true });
    mkdirSync(path.join(tmp, 'spill', 'financelake-rewrite-killed-spilled'), { recursive: true });
    writeFileSync(path.join(tmp, 'spill', 'financelake-rewrite-killed-spilled', 'duckdb_temp_storage-0.tmp'), 'x');
    try {
      const full = await limit(base);
      const local = await openRewriteEngine(on(base, 'rw'));
      expect(local.engine).not.toBe(base);
      expect(local.engine.options.tempDirectory).toMatch(new RegExp(`^${path.join(tmp, 'spill')}/financelake-rewrite-`));
      const [own] = await local.engine.all<{ cache: unknown; validate: unknown; threads: unknown; temp: unknown }>(
        "SELECT current_setting('enable_external_file_cache') AS cache, current_setting('validate_external_file_cache') AS validate, current_setting('threads') AS threads, current_setting('temp_directory') AS temp",
      );
      expect([String(own.cache), String(own.validate), Number(own.threads), own.temp]).toEqual(['false', 'NO_VALIDATION', 1, local.engine.options.tempDirectory]);
      await expectOneBudget(base, local.engine, size(full));
      // the folder exists before any spill (DuckDB would create only its last level)
      expect(existsSync(local.engine.options.tempDirectory!)).toBe(true);
      expect(existsSync(path.join(tmp, 'spill', 'financelake-rewrite-killed-empty'))).toBe(false);
      expect(existsSync(path.join(tmp, 'spill', 'financelake-rewrite-killed-spilled', 'duckdb_temp_storage-0.tmp'))).toBe(true);
      // rewrites running at once share the instance; the last one out closes it and removes the folder
      const other = await openRewriteEngine(on(base, 'rw2'));
      expect(other.engine).toBe(local.engine);
      await local.close();
      await local.close(); // a second close of the same handle releases nothing more
      expect(String((await other.engine.all<{ v: unknown }>('SELECT 42 AS v'))[0].v)).toBe('42');
      await expectOneBudget(base, other.engine, size(full));
      await other.close();
      expect(existsSync(local.engine.options.tempDirectory!)).toBe(false);
      expect(await limit(base)).toBe(full);
      const [shared] = await base.all<{ cache: unknown; validate: unknown }>("SELECT current_setting('enable_external_file_cache') AS cache, current_setting('validate_external_file_cache') AS validate");
      expect([String(shared.cache), String(shared.validate)]).toEqual(['true', 'VALIDATE_ALL']);
      // the next rewrite opens a fresh instance
      const next = await openRewriteEngine(on(base, 'rw3'));
      expect(next.engine).not.toBe(local.engine);
      await next.close();
      expect(await limit(base)).toBe(full);
      // S3 tables stay on the worker's engine (it holds the warehouse's S3 secrets)
      const s3 = await openRewriteEngine(on(base, 's3', new S3Store('s3://bucket/t')));
      expect(s3.engine).toBe(base);
      await s3.close();
      expect(String((await base.all<{ v: unknown }>('SELECT 1 AS v'))[0].v)).toBe('1');
    } finally {
      await base.close();
    }
  });

  it('holds one memory budget: the worker gives the rewrite instance a share and gets its full limit back from the last close, also when opening fails', async () => {
    const budget = { bytes: 1e9, off: 0 }; // 1GB: DuckDB's KB..GB are powers of 1000
    const base = await Engine.create({ threads: 1, memoryLimit: '1GB', tempDirectory: path.join(tmp, 'spill-budget') });
    writeFileSync(path.join(tmp, 'not-a-folder'), 'x');
    // the worker's temp folder under a file: the rewrite instance's folder cannot be made
    const broken = await Engine.create({ threads: 1, memoryLimit: '1GB', tempDirectory: path.join(tmp, 'not-a-folder', 'spill') });
    const busy = await Engine.create({ threads: 1, memoryLimit: '64MB' });
    try {
      const full = await limit(base);
      expect(size(full).bytes + size(full).off).toBeGreaterThanOrEqual(budget.bytes);
      const a = await openRewriteEngine(on(base, 'budget-a'));
      const b = await openRewriteEngine(on(base, 'budget-b'));
      expect(b.engine).toBe(a.engine);
      await expectOneBudget(base, a.engine, budget);
      await a.close();
      await expectOneBudget(base, b.engine, budget); // b still rewrites: still split
      // a rewrite opening while the last one closes waits for it: never two instances, nor the full limit beside one
      const closing = b.close();
      const c = await openRewriteEngine(on(base, 'budget-c'));
      await closing;
      expect(c.engine).not.toBe(a.engine);
      await expectOneBudget(base, c.engine, budget);
      await c.close();
      expect(await limit(base)).toBe(full);

      await expect(openRewriteEngine(on(broken, 'budget-broken'))).rejects.toThrow(/ENOTDIR/);
      expect(await limit(broken)).toBe(full);

      // a worker holding memory it cannot spill (no temp folder) above its share: the rewrite runs on it, its limit untouched
      await busy.run("SET temp_directory = ''");
      await busy.run("CREATE TABLE held AS SELECT repeat('x', 100) || range AS s FROM range(480000)");
      const busyFull = await limit(busy);
      const fallback = await openRewriteEngine(on(busy, 'budget-busy'));
      expect(fallback.engine).toBe(busy);
      expect(await limit(busy)).toBe(busyFull);
      await fallback.close();
      expect(await limit(busy)).toBe(busyFull);
    } finally {
      await Promise.all([base.close(), broken.close(), busy.close()]);
    }
  });
});

describe('bins', () => {
  const file = (i: number, size: number): AddFile => ({ path: `f${i}.parquet`, partitionValues: {}, size, modificationTime: i, dataChange: true });

  it('packs files in log order into the fewest bins of even size, dropping one-file bins', () => {
    const files = Array.from({ length: 10 }, (_, i) => file(i, 19));
    // 190 bytes at a 128-byte target: two bins of 95, not 128 + 62
    expect(packBins('', files, 128).map((b) => b.files.map((f) => f.modificationTime))).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    expect(packBins('', files, 1000)).toHaveLength(1);
    // three files of 90 at a target of 100: each its own bin, nothing to rewrite
    expect(packBins('', [file(0, 90), file(1, 90), file(2, 90)], 100)).toEqual([]);
    expect(packBins('p', [file(0, 0), file(1, 0)], 100)).toEqual([{ partition: 'p', files: [file(0, 0), file(1, 0)] }]);
  });

  it('a bin whose first file has a column a later file lacks is read by name (schema evolution), rows unchanged', async () => {
    const dir = path.join(tmp, 'evolved');
    py(`
import pyarrow as pa
from deltalake import write_deltalake
write_deltalake(${JSON.stringify(dir)}, pa.table({'id': pa.array([1, 2], pa.int64())}), mode='append')
write_deltalake(${JSON.stringify(dir)}, pa.table({'id': pa.array([3, 4], pa.int64()), 'note': pa.array(['c', 'd'])}), mode='append', schema_mode='merge')
`);
    const t = handle(dir);
    const snap = await t.snapshot();
    const hasNote = (f: AddFile) => 'note' in ((JSON.parse(f.stats ?? '{}') as { nullCount?: object }).nullCount ?? {});
    const newer = snap.files.find(hasNote)!;
    const older = snap.files.find((f) => !hasNote(f))!;
    // newest file first: the fast read binds the columns from it and fails on the older file, then reads by name
    const run = await rewriteBins(t, snap, [{ partition: '', files: [newer, older] }], { operation: 'OPTIMIZE', operationParameters: {}, targetFileSize: 1024 * 1024 });
    expect(run.partitions).toEqual([expect.objectContaining({ status: 'rewritten', filesBefore: 2, filesAfter: 1, rows: 4 })]);
    const rows = JSON.parse(
      py(`
import json
from deltalake import DeltaTable
print(json.dumps(sorted(DeltaTable(${JSON.stringify(dir)}).to_pyarrow_table().to_pylist(), key=lambda r: r['id'])))
`),
    );
    expect(rows).toEqual([
      { id: 1, note: null },
      { id: 2, note: null },
      { id: 3, note: 'c' },
      { id: 4, note: 'd' },
    ]);
  });
});
