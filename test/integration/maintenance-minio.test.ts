/**
 * Table maintenance on a real MinIO: optimize with time travel and delta-rs reading after each
 * step, optimize racing 4 appending writers, optimize giving way to a replaceWhere on the same
 * files, vacuum deleting exactly the unreferenced files, Z-order cutting a point query's files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaTable } from '../../lakehouse';
import { filesForPredicate, optimize, vacuum, zorder } from '../../lakehouse/maintenance';
import { filesByPartition } from '../../lakehouse/maintenance/analyze';
import { rewriteBins } from '../../lakehouse/maintenance/rewrite';
import { deltaRsRead, openSites, tradesQuery, TRADES, type Sites } from './backup-helpers';

let sites: Sites;
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
const url = (name: string): string => `${sites.primaryUrl}/${name.replace('.', '/')}`;

beforeAll(async () => {
  sites = await openSites('maint');
});
afterAll(async () => sites?.dispose());

describe('maintenance on MinIO', () => {
  let t: DeltaTable;

  it('optimize: fewer files, same rows, time travel before it still reads the same rows; delta-rs reads each step', async () => {
    t = await sites.warehouse.createTable('silver.events', TRADES);
    for (let k = 0; k < 6; k++) await t.write(tradesQuery(k * 50, (k + 1) * 50));
    const before = deltaRsRead(url('silver.events'), 'main');
    expect(before.ids).toEqual(range(0, 300));
    const filesBefore = (await t.snapshot()).files.length;
    const r = await optimize(t, { targetFileSize: 8 * 1024 * 1024 });
    expect(r.filesBefore).toBe(filesBefore);
    expect(r.filesAfter).toBe(2);
    expect((await t.snapshot()).files.length).toBe(2);
    const after = deltaRsRead(url('silver.events'), 'main');
    expect(after.ids).toEqual(before.ids);
    expect(after.version).toBe(r.version);
    expect(deltaRsRead(url('silver.events'), 'main', before.version).ids).toEqual(before.ids);
    expect(await t.query('SELECT count(*) AS n FROM {{table}}', { version: before.version })).toEqual([{ n: 300 }]);
    const h = await t.history(2);
    expect(h[0].operation).toBe('OPTIMIZE');
    // one commit for the whole run, both partitions in it
    expect(r.commits).toEqual([r.version]);
    expect(h[0].operationMetrics).toMatchObject({ numRemovedFiles: filesBefore, numAddedFiles: 2, partitionsOptimized: 2, numBins: 2 });
  });

  it('optimize racing 4 appending writers: every appended row present exactly once', async () => {
    for (let k = 0; k < 4; k++) await t.write(tradesQuery(1000 + k * 20, 1000 + (k + 1) * 20)); // small files to compact
    const writers = Array.from({ length: 4 }, async (_, w) => {
      const mine = (await sites.warehouse.table('silver.events'))!; // own handle, own snapshot state
      for (let k = 0; k < 5; k++) await mine.write(tradesQuery(10_000 + w * 1000 + k * 10, 10_000 + w * 1000 + (k + 1) * 10));
    });
    const optimizer = (async () => {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await optimize(t, { targetFileSize: 8 * 1024 * 1024 }));
      return results;
    })();
    const [, results] = await Promise.all([Promise.all(writers), optimizer]);
    expect(results.some((r) => r.partitions.some((p) => p.status === 'rewritten'))).toBe(true);
    const expected = [...range(0, 300), ...range(1000, 1080), ...Array.from({ length: 4 }, (_, w) => range(10_000 + w * 1000, 10_000 + w * 1000 + 50)).flat()].sort((a, b) => a - b);
    const rows = await t.query<{ n: number; d: number }>('SELECT count(*) AS n, count(DISTINCT id) AS d FROM {{table}}');
    expect(rows).toEqual([{ n: expected.length, d: expected.length }]);
    expect(deltaRsRead(url('silver.events'), 'main').ids).toEqual(expected);
  });

  it('optimize gives way to a replaceWhere that removed the same files, leaving no files behind', async () => {
    const stale = await t.snapshot();
    const part = [...filesByPartition(stale)].find(([p]) => p === 'day=2024-01-01')!;
    await t.write(`SELECT * FROM (${tradesQuery(0, 300)}) WHERE day = '2024-01-01'`, { replaceWhere: "day = '2024-01-01'" });
    const listed = (await t.store.list('')).length;
    const other = [...filesByPartition(stale)].find(([p]) => p !== 'day=2024-01-01')!;
    // One batch of two bins: the one whose files the replaceWhere removed gives way, the other commits.
    const run = await rewriteBins(t, stale, [{ partition: part[0], files: part[1] }, { partition: other[0], files: other[1] }], { operation: 'OPTIMIZE', operationParameters: {}, targetFileSize: 8 * 1024 * 1024 });
    const [out, ok] = run.partitions;
    expect(out.status).toBe('conflict');
    expect(out.conflict).toMatch(/removed concurrently/);
    expect(ok).toMatchObject({ status: 'rewritten', filesBefore: other[1].length, filesAfter: 1 });
    expect(run.commits).toHaveLength(1);
    // the conflicting bin's rewritten files were deleted; the other bin added one file and a commit
    expect((await t.store.list('')).length).toBe(listed + 2);
    expect(await t.count("day = '2024-01-01'")).toBe(150);
  });

  it('vacuum deletes exactly the unreferenced files older than the cutoff', async () => {
    const snap = await t.snapshot();
    const active = new Set(snap.files.map((f) => decodeURIComponent(f.path)));
    const dataBefore = (await t.store.list('')).filter((o) => !o.key.startsWith('_delta_log/')).map((o) => o.key);
    const unreferenced = dataBefore.filter((k) => !active.has(k)).sort();
    expect(unreferenced.length).toBeGreaterThan(0);
    const week = await vacuum(t, { dryRun: true });
    expect(week.files).toEqual([]); // all removed minutes ago: inside the 7-day retention
    const r = await vacuum(t, { retentionHours: 0, force: true });
    expect(r.files.map((f) => f.key).sort()).toEqual(unreferenced);
    const dataAfter = (await t.store.list('')).filter((o) => !o.key.startsWith('_delta_log/')).map((o) => o.key).sort();
    expect(dataAfter).toEqual([...active].sort());
    const h = await t.history(2);
    expect(h.map((e) => e.operation)).toEqual(['VACUUM END', 'VACUUM START']);
    expect(h[0].operationMetrics).toMatchObject({ numDeletedFiles: unreferenced.length });
    expect(deltaRsRead(url('silver.events'), 'main').rows).toBe(await t.count());
  });

  it('zorder: a point query on two columns scans fewer files, with the same answer', async () => {
    const z = await sites.warehouse.createTable('silver.points', { fields: [{ name: 'id', type: 'long' }, { name: 'x', type: 'long' }, { name: 'y', type: 'long' }], partitionColumns: [] });
    for (let k = 0; k < 6; k++) await z.write(`SELECT i AS id, (i * 7919) % 200 AS x, (i * 104729) % 193 AS y FROM range(${k * 400}, ${(k + 1) * 400}) t(i)`);
    const pred = 'x = 17 AND y = 42';
    const answer = await z.query<{ id: number }>('SELECT id FROM {{table}} WHERE x = 17 AND y = 42 ORDER BY id');
    const before = await filesForPredicate(z, pred);
    await zorder(z, ['x', 'y'], { rowsPerFile: 200 });
    const after = await filesForPredicate(z, pred);
    expect(after.filesScanned).toBeLessThan(before.filesScanned);
    expect(await z.query('SELECT id FROM {{table}} WHERE x = 17 AND y = 42 ORDER BY id')).toEqual(answer);
    expect(deltaRsRead(url('silver.points'), 'main').rows).toBe(2400);
    console.log(`zorder on MinIO, point query ${pred}: ${before.filesScanned}/${before.filesTotal} files before, ${after.filesScanned}/${after.filesTotal} after`);
  });
});
