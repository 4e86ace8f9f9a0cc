/**
 * Backup logic on local disk against tables written by delta-rs (an independent Delta
 * writer): incremental copies, a consistent image after an interrupted run, verify naming a
 * damaged file, restore at a version and over a damaged table, retention selection.
 */
import { runPython } from '../helpers/python';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lakehouse/storage/local';
import { addedKeys, isDataKey } from '../../lakehouse/backup/log-files';
import { applyRetention, backupTable, backupTableImage, backupWarehouse, listManifests, restoreFromBackup, selectRetained, verifyBackup, type BackupManifest } from '../../lakehouse/backup';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fl-backup-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** delta-rs via Python (test/helpers/python.ts retries only a native abort under load). */
const py = (script: string): string => runPython(script);

/** Appends rows [from, to) to a delta-rs table (one commit per call). */
function deltaAppend(dir: string, from: number, to: number): void {
  py(`
import pyarrow as pa
from deltalake import write_deltalake
ids = list(range(${from}, ${to}))
t = pa.table({'id': pa.array(ids, pa.int64()), 'day': pa.array(['d%d' % (i % 2) for i in ids])})
write_deltalake(${JSON.stringify(dir)}, t, mode='append', partition_by=['day'])
`);
}

/** delta-rs's view of a table: version and sorted ids (at a version if given). */
function deltaRead(dir: string, version?: number): { version: number; ids: number[] } {
  const out = py(`
import json
from deltalake import DeltaTable
t = DeltaTable(${JSON.stringify(dir)}${version === undefined ? '' : `, version=${version}`})
ids = sorted(t.to_pyarrow_table().column('id').to_pylist())
print(json.dumps({'version': t.version(), 'ids': ids}))
`);
  return JSON.parse(out);
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describe('backup (local disk, delta-rs tables)', () => {
  const src = path.join(tmp, 'src');
  const dst = path.join(tmp, 'dst');

  it('copies a table, then only what is new, and delta-rs reads the copy at the same version', async () => {
    deltaAppend(src, 0, 10);
    deltaAppend(src, 10, 20);
    const first = await backupTable(new LocalStore(src), new LocalStore(dst), { table: 't', runId: 'r1' });
    expect(first.manifest.tables[0].version).toBe(1);
    expect(deltaRead(dst)).toEqual({ version: 1, ids: range(0, 20) });
    const firstCopied = first.copiedFiles;
    expect(firstCopied).toBe(first.manifest.tables[0].files.length);

    deltaAppend(src, 20, 30);
    const second = await backupTable(new LocalStore(src), new LocalStore(dst), { table: 't', runId: 'r2' });
    // the new commit and its two partition files (d0, d1) — nothing already present
    expect(second.copiedFiles).toBe(3);
    expect(second.manifest.tables[0].version).toBe(2);
    expect(deltaRead(dst)).toEqual({ version: 2, ids: range(0, 30) });

    const third = await backupTable(new LocalStore(src), new LocalStore(dst), { table: 't', runId: 'r3' });
    expect(third.copiedFiles).toBe(0);
    expect((await verifyBackup(new LocalStore(dst))).ok).toBe(true);
  });

  it('an aborted backup leaves a readable table, and re-running completes it', async () => {
    deltaAppend(src, 30, 40);
    deltaAppend(src, 40, 50);
    const ac = new AbortController();
    let copies = 0;
    await expect(
      backupTable(new LocalStore(src), new LocalStore(dst), {
        table: 't',
        runId: 'r4',
        concurrency: 1,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'data' && p.filesDone > 0 && ++copies === 2) ac.abort(new Error('killed'));
        },
      }),
    ).rejects.toThrow('killed');
    // no manifest for the killed run; the copy is still a valid table, at the old version or one
    // the killed run completed, with exactly that version's rows
    expect((await listManifests(new LocalStore(dst))).map((m) => m.runId)).not.toContain('r4');
    const partial = deltaRead(dst);
    expect([2, 3]).toContain(partial.version);
    expect(partial.ids).toEqual(range(0, (partial.version + 1) * 10));
    const again = await backupTable(new LocalStore(src), new LocalStore(dst), { table: 't', runId: 'r4' });
    expect(again.manifest.tables[0].version).toBe(4);
    expect(deltaRead(dst)).toEqual({ version: 4, ids: range(0, 50) });
    expect((await verifyBackup(new LocalStore(dst), { runId: 'r4' })).ok).toBe(true);
  });

  it('a commit that landed while the listing ran is published only with the files it adds', async () => {
    const dir = path.join(tmp, 'late-src');
    deltaAppend(dir, 0, 10);
    const src = new LocalStore(dir);
    const stale = await src.list('');
    deltaAppend(dir, 10, 20);
    // a non-atomic listing: it saw the new commit but none of the files written just before it
    const commit = (await src.list('_delta_log/')).find((o) => o.key.endsWith('00000000000000000001.json'))!;
    const entry = await backupTableImage(src, new LocalStore(path.join(tmp, 'late-dst')), { runId: 'late', table: 't', prefix: '', sourceObjects: [...stale, commit], listedAt: Date.now() });
    expect(entry.version).toBe(1);
    expect(entry.files.filter((f) => f.kind === 'data')).toHaveLength(4);
    expect(deltaRead(path.join(tmp, 'late-dst'))).toEqual({ version: 1, ids: range(0, 20) });
  });

  it('the log is written while data is still copying, yet at every step the target is a whole table', async () => {
    const dir = path.join(tmp, 'steps-src');
    for (let k = 0; k < 6; k++) deltaAppend(dir, k * 10, (k + 1) * 10);
    const out = path.join(tmp, 'steps-dst');
    const dst = new LocalStore(out);
    const states: Array<{ version: number; dataFiles: number }> = [];
    let checks = Promise.resolve();
    const check = async (): Promise<void> => {
      // commits 0..n contiguous, and every file they add present
      const keys = new Set((await dst.list('')).map((o) => o.key));
      const versions = [...keys].flatMap((k) => (/^_delta_log\/(\d{20})\.json$/.exec(k) ? [Number(RegExp.$1)] : [])).sort((a, b) => a - b);
      versions.forEach((v, i) => expect(v).toBe(i));
      for (const v of versions) {
        const text = readFileSync(path.join(out, '_delta_log', `${String(v).padStart(20, '0')}.json`), 'utf8');
        for (const k of addedKeys(text)) expect(keys.has(k), `${k} of commit ${v}`).toBe(true);
      }
      states.push({ version: versions.length - 1, dataFiles: [...keys].filter(isDataKey).length });
    };
    await backupTable(new LocalStore(dir), dst, { table: 't', runId: 's1', concurrency: 2, onProgress: () => void (checks = checks.then(check)) });
    await checks;
    const dataFiles = readdirSync(path.join(dir, 'day=d0')).length + readdirSync(path.join(dir, 'day=d1')).length;
    expect(states.at(-1)).toEqual({ version: 5, dataFiles });
    // commits were written while data files were still missing (each only once its own were there)
    expect(states.some((st) => st.version >= 0 && st.dataFiles < dataFiles)).toBe(true);
    expect(deltaRead(out)).toEqual({ version: 5, ids: range(0, 60) });
  });

  it('verify names a corrupted and a missing file', async () => {
    const copy = path.join(tmp, 'dst-damaged');
    await backupTable(new LocalStore(src), new LocalStore(copy), { table: 't', runId: 'v1' });
    const m = (await listManifests(new LocalStore(copy)))[0];
    const data = m.tables[0].files.filter((f) => f.kind === 'data');
    const corrupt = data[0].key;
    const missing = data[1].key;
    const body = Buffer.from(await new LocalStore(copy).get(corrupt));
    body[body.length >> 1] ^= 0xff; // same size, different bytes
    writeFileSync(path.join(copy, corrupt), body);
    rmSync(path.join(copy, missing));
    const r = await verifyBackup(new LocalStore(copy));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.key, p.problem]).sort()).toEqual([[corrupt, 'checksum'], [missing, 'missing']].sort());
    // restoring from the damaged backup refuses rather than producing a wrong table
    await expect(restoreFromBackup(new LocalStore(copy), new LocalStore(path.join(tmp, 'never')))).rejects.toThrow(/corrupt|missing|does not match/);
  });

  it('restores a chosen version into a fresh folder and over a damaged table', async () => {
    const fresh = path.join(tmp, 'restored-v2');
    const r = await restoreFromBackup(new LocalStore(dst), new LocalStore(fresh), { version: 2 });
    expect(r.tables[0].version).toBe(2);
    expect(deltaRead(fresh)).toEqual({ version: 2, ids: range(0, 30) });

    // damage a copy of the source: a later bogus commit and a truncated data file
    const damaged = path.join(tmp, 'damaged');
    await restoreFromBackup(new LocalStore(dst), new LocalStore(damaged));
    const log = path.join(damaged, '_delta_log');
    writeFileSync(path.join(log, '00000000000000000009.json'), '{"commitInfo":{}}\n{"add":{"pa');
    const part = readdirSync(path.join(damaged, 'day=d0')).filter((f) => f.endsWith('.parquet'))[0];
    writeFileSync(path.join(damaged, 'day=d0', part), 'garbage');
    const over = await restoreFromBackup(new LocalStore(dst), new LocalStore(damaged));
    expect(over.tables[0].removedLogFiles).toBe(1);
    expect(over.tables[0].copiedFiles).toBe(1);
    expect(deltaRead(damaged)).toEqual({ version: 4, ids: range(0, 50) });
    expect(deltaRead(damaged, 1).ids).toEqual(range(0, 20));
  });

  it('backs up a warehouse of tables under one root with one manifest', async () => {
    const wh = path.join(tmp, 'wh');
    deltaAppend(path.join(wh, 'silver', 'a'), 0, 5);
    deltaAppend(path.join(wh, 'gold', 'b'), 100, 103);
    const target = path.join(tmp, 'wh-backup');
    const res = await backupWarehouse(new LocalStore(wh), new LocalStore(target), { runId: 'w1' });
    expect(res.manifest.tables.map((t) => t.table)).toEqual(['gold.b', 'silver.a']);
    expect(deltaRead(path.join(target, 'silver', 'a')).ids).toEqual(range(0, 5));
    const back = path.join(tmp, 'wh-restored');
    const rr = await restoreFromBackup(new LocalStore(target), new LocalStore(back), { tables: ['gold.b'] });
    expect(rr.tables.map((t) => t.table)).toEqual(['gold.b']);
    expect(deltaRead(path.join(back, 'gold', 'b')).ids).toEqual([100, 101, 102]);
    await expect(backupWarehouse(new LocalStore(wh), new LocalStore(target), { tables: ['silver.nope'] })).rejects.toThrow(/silver\.nope/);
  });
});

describe('backup retention', () => {
  const m = (runId: string, finishedAt: string, verified = false): BackupManifest => ({
    format: 'financelake-backup/1', runId, source: 's', target: 't', startedAt: finishedAt, finishedAt, tables: [], ...(verified ? { verifiedAt: finishedAt } : {}),
  });

  it('keeps the newest per day and per week and never the newest verified one', () => {
    const all = [
      m('a', '2026-11-02T10:00:00.000Z', true), // Monday, week 45 — the only verified backup
      m('b', '2026-11-09T10:00:00.000Z'), // week 46
      m('c', '2026-11-10T09:00:00.000Z'),
      m('d', '2026-11-10T10:00:00.000Z'),
      m('e', '2026-11-11T10:00:00.000Z'),
      m('f', '2026-11-11T10:15:00.000Z'),
    ];
    const keep = selectRetained(all, { keepDaily: 2, keepWeekly: 1 }, new Date('2026-11-12T00:00:00Z'));
    // days: f (11th), d (10th); week 46: f; verified: a
    expect([...keep].sort()).toEqual(['a', 'd', 'f']);
    const keep2 = selectRetained(all, { keepDaily: 1, keepWeekly: 2, keepWithinHours: 40 }, new Date('2026-11-12T00:00:00Z'));
    // within 40h: c (39h), d, e, f; week 45: a, week 46: f
    expect([...keep2].sort()).toEqual(['a', 'c', 'd', 'e', 'f']);
  });

  it('deletes expired manifests and only the files no kept manifest lists', async () => {
    const store = new LocalStore(path.join(tmp, 'ret'));
    const file = (key: string) => ({ key, kind: 'data' as const, size: 1, sha256: 'x' });
    const mk = (runId: string, at: string, keys: string[]): BackupManifest => ({ ...m(runId, at), tables: [{ table: 't', prefix: 'p', version: 0, versionTimestamp: 0, files: keys.map(file), copiedFiles: 0, copiedBytes: 0 }] });
    for (const k of ['p/a', 'p/b', 'p/c']) await store.put(k, 'x');
    await store.put('_backup/manifests/old.json', JSON.stringify(mk('old', '2026-01-01T00:00:00.000Z', ['a', 'b'])));
    await store.put('_backup/manifests/new.json', JSON.stringify(mk('new', '2026-11-01T00:00:00.000Z', ['b', 'c'])));
    const r = await applyRetention(store, { keepDaily: 1, keepWeekly: 0 }, { now: new Date('2026-11-02T00:00:00Z') });
    expect(r.deleted).toEqual(['old']);
    expect(r.deletedFiles).toEqual(['p/a']);
    expect((await store.list('p/')).map((o) => o.key)).toEqual(['p/b', 'p/c']);
  });
});

describe('which keys are data', () => {
  it('partition folders starting with an underscore are data; the log and hidden folders are not', () => {
    expect(isDataKey('_ingest_date=2024-01-01/part-1.parquet')).toBe(true);
    expect(isDataKey('day=1/_hour=2/part-1.parquet')).toBe(true);
    expect(isDataKey('_delta_log/00000000000000000000.json')).toBe(false);
    expect(isDataKey('_backup/manifests/x.json')).toBe(false);
    expect(isDataKey('day=1/.part-1.parquet.tmp')).toBe(false);
    expect(isDataKey('_SUCCESS')).toBe(false);
  });
});
