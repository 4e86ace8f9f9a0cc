/**
 * Log replay, time travel, checkpoints and damage, on local disk. Logs are built with the
 * real writer where that is the point, and by hand where the test needs a specific log shape.
 */
import { describe, expect, it } from 'vitest';
import {
  checkpointActions,
  checkpointKey,
  commitKey,
  CorruptCommitError,
  DeltaTable,
  DuckDBCheckpointIO,
  LAST_CHECKPOINT_KEY,
  loadSnapshot,
  serializeCommit,
  UnsupportedFeatureError,
  updateSnapshot,
  writeCheckpoint,
  type Action,
  type ObjectStore,
} from '../../lakehouse';
import type { ListOptions } from '../../lakehouse/storage';
import { localTableStore } from '../helpers/lakehouse';
import { useTestEngine } from '../helpers/engine';

const lake = useTestEngine();

const schemaString = JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }, { name: 'p', type: 'string', nullable: true, metadata: {} }] });
const meta = { metaData: { id: 'm1', format: { provider: 'parquet', options: {} }, schemaString, partitionColumns: ['p'], configuration: {}, createdTime: 1 } };
const add = (path: string, p = 'a'): Action => ({ add: { path, partitionValues: { p }, size: 1, modificationTime: 1, dataChange: true } });
const rm = (path: string): Action => ({ remove: { path, deletionTimestamp: Date.now(), dataChange: true } });

async function handLog(store: ObjectStore, commits: Action[][], timestamps?: number[]): Promise<void> {
  for (let v = 0; v < commits.length; v++) {
    const info: Action = { commitInfo: { timestamp: timestamps?.[v] ?? 1_700_000_000_000 + v * 1000, operation: 'WRITE' } };
    await store.put(commitKey(v), serializeCommit([info, ...commits[v]]));
  }
}

const io = () => new DuckDBCheckpointIO(lake.engine);

describe('log replay', () => {
  it('replays adds, removes, txns and metadata in version order', async () => {
    const store = await localTableStore();
    await handLog(store, [
      [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, meta],
      [add('p=a/1.parquet'), add('p=b/2.parquet', 'b'), { txn: { appId: 'app', version: 1 } }],
      [rm('p=a/1.parquet'), add('p=a/3.parquet'), { txn: { appId: 'app', version: 2 } }],
      [add('p=c/4%20x.parquet', 'c')],
    ]);
    const s = await loadSnapshot(store, { io: io() });
    expect(s.version).toBe(3);
    expect(s.files.map((f) => f.path).sort()).toEqual(['p=a/3.parquet', 'p=b/2.parquet', 'p=c/4%20x.parquet']);
    expect(s.fileMap.has('p=c/4 x.parquet')).toBe(true); // keyed by decoded path
    expect(s.txns.get('app')).toBe(2);
    expect(s.schema.map((f) => f.name)).toEqual(['id', 'p']);
    expect(s.tombstones.has('p=a/1.parquet')).toBe(true);
  });

  it('travels to a version and to a timestamp (commitInfo.timestamp, made monotonic)', async () => {
    const store = await localTableStore();
    const t0 = 1_700_000_000_000;
    await handLog(
      store,
      [[{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, meta], [add('1.parquet')], [add('2.parquet')], [add('3.parquet')]],
      [t0, t0 + 10_000, t0 + 20_000, t0 + 15_000], // v3's clock ran behind: it counts as t0+20_001
    );
    expect((await loadSnapshot(store, { io: io(), version: 1 })).files).toHaveLength(1);
    expect((await loadSnapshot(store, { io: io(), timestamp: t0 + 10_000 })).version).toBe(1);
    expect((await loadSnapshot(store, { io: io(), timestamp: new Date(t0 + 19_999) })).version).toBe(1);
    expect((await loadSnapshot(store, { io: io(), timestamp: new Date(t0 + 20_000).toISOString() })).version).toBe(2);
    expect((await loadSnapshot(store, { io: io(), timestamp: t0 + 20_000 })).files).toHaveLength(2);
    expect((await loadSnapshot(store, { io: io(), timestamp: t0 + 99_000 })).version).toBe(3);
    await expect(loadSnapshot(store, { io: io(), timestamp: t0 - 1 })).rejects.toThrowError(/before the earliest available commit/);
    await expect(loadSnapshot(store, { io: io(), version: 9 })).rejects.toThrowError(/version 9 does not exist \(latest is 3\)/);
  });

  it('names the table, version and file of a truncated commit', async () => {
    const store = await localTableStore();
    await handLog(store, [[{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, meta], [add('1.parquet')]]);
    const full = serializeCommit([add('2.parquet'), add('3.parquet')]);
    await store.put(commitKey(2), full.slice(0, full.length - 20));
    const err = await loadSnapshot(store, { io: io(), table: 'silver.t' }).catch((e) => e);
    expect(err).toBeInstanceOf(CorruptCommitError);
    expect(err.message).toMatch(/table silver\.t: corrupt commit at version 2 \(_delta_log\/00000000000000000002\.json, line 2\)/);
  });

  it('refuses a gap in the version sequence', async () => {
    const store = await localTableStore();
    await handLog(store, [[{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, meta], [add('1.parquet')], [add('2.parquet')]]);
    await store.delete(commitKey(1));
    await expect(loadSnapshot(store, { io: io(), table: 't' })).rejects.toThrowError(/table t: version 1 is missing from the log sequence \(version 1, _delta_log\/00000000000000000001\.json\)/);
  });

  it('refuses unknown reader features and reads the ones it understands', async () => {
    const store = await localTableStore();
    await handLog(store, [[{ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] } }, meta]]);
    const err = await loadSnapshot(store, { io: io(), table: 'gold.x' }).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedFeatureError);
    expect(err.message).toBe('table gold.x: unsupported table feature deletionVectors at version 0');

    const ok = await localTableStore();
    await handLog(ok, [[{ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz', 'appendOnly'] } }, meta], [add('1.parquet')]]);
    expect((await loadSnapshot(ok, { io: io() })).files).toHaveLength(1);

    const cm = await localTableStore();
    const mapped = { metaData: { ...meta.metaData, configuration: { 'delta.columnMapping.mode': 'name' } } };
    await handLog(cm, [[{ protocol: { minReaderVersion: 2, minWriterVersion: 5 } }, mapped]]);
    await expect(loadSnapshot(cm, { io: io() })).rejects.toThrowError(/unsupported table feature columnMapping/);
  });
});

describe('checkpoints', () => {
  it('round-trips the snapshot through a checkpoint, then replays commits after it', async () => {
    const store = await localTableStore();
    const t = await DeltaTable.create(store, lake.engine, { fields: [{ name: 'id', type: 'long' }, { name: 'p', type: 'string' }], partitionColumns: ['p'], properties: { 'delta.checkpointInterval': '3' } });
    for (let i = 0; i < 4; i++) await t.write(`SELECT ${i}::BIGINT AS id, ${i % 2 === 0 ? "'even'" : 'NULL::VARCHAR'} AS p`, { txn: { appId: 'loader', version: i } });
    // v3 was checkpointed automatically (interval 3); v4 is a JSON commit after it.
    expect((await store.list('_delta_log/')).map((o) => o.key)).toContain(checkpointKey(3));
    const last = JSON.parse(Buffer.from(await store.get(LAST_CHECKPOINT_KEY)).toString());
    expect(last.version).toBe(3);
    const direct = await loadSnapshot(store, { io: io() });
    // Hide the commits the checkpoint covers: the snapshot must come from the checkpoint alone.
    for (let v = 0; v <= 3; v++) await store.delete(commitKey(v));
    const fromCp = await loadSnapshot(store, { io: io() });
    expect(fromCp.version).toBe(4);
    expect(fromCp.files.map((f) => [f.path, f.partitionValues, f.size, f.stats]).sort()).toEqual(direct.files.map((f) => [f.path, f.partitionValues, f.size, f.stats]).sort());
    expect(fromCp.files.find((f) => f.partitionValues.p === null)).toBeDefined();
    expect(fromCp.txns.get('loader')).toBe(3);
    expect(fromCp.metadata).toEqual(direct.metadata);
    expect(fromCp.protocol).toEqual(direct.protocol);
    expect(await (await DeltaTable.open(store, lake.engine)).count()).toBe(4);
  });

  it('reads multi-part checkpoints', async () => {
    const store = await localTableStore();
    const t = await DeltaTable.create(store, lake.engine, { fields: [{ name: 'id', type: 'long' }, { name: 'p', type: 'string' }], partitionColumns: ['p'] });
    for (let i = 0; i < 3; i++) await t.write(`SELECT ${i}::BIGINT AS id, 'p${i}' AS p`);
    const actions = checkpointActions(await t.snapshot());
    const half = Math.ceil(actions.length / 2);
    const part = (i: number) => `_delta_log/${String(3).padStart(20, '0')}.checkpoint.${String(i).padStart(10, '0')}.${String(2).padStart(10, '0')}.parquet`;
    await io().writeCheckpoint(store, part(1), actions.slice(0, half));
    await io().writeCheckpoint(store, part(2), actions.slice(half));
    await store.put(LAST_CHECKPOINT_KEY, JSON.stringify({ version: 3, size: actions.length, parts: 2 }));
    for (let v = 0; v <= 3; v++) await store.delete(commitKey(v));
    const s = await loadSnapshot(store, { io: io() });
    expect(s.version).toBe(3);
    expect(s.files.map((f) => f.partitionValues.p).sort()).toEqual(['p0', 'p1', 'p2']);
    // An incomplete multi-part checkpoint (a writer died) is not used.
    await store.delete(part(2));
    await expect(loadSnapshot(store, { io: io() })).rejects.toThrowError(/points to a checkpoint that is not in the log/);
  });

  it('lists the log from the checkpoint on, replays what later commits change, and still travels before it', async () => {
    const store = await localTableStore();
    const t0 = 1_700_000_000_000;
    await handLog(store, [[{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, meta], [add('p=a/1.parquet')], [add('p=a/2.parquet')], [add('p=a/3.parquet')]], [t0, t0 + 1000, t0 + 2000, t0 + 3000]);
    await writeCheckpoint(store, await loadSnapshot(store, { io: io() }), io());
    // After the checkpoint: one of its files removed, one re-added with new metadata, one new.
    const readd: Action = { add: { path: 'p=a/2.parquet', partitionValues: { p: 'a' }, size: 22, modificationTime: 2, dataChange: true } };
    await store.put(commitKey(4), serializeCommit([{ commitInfo: { timestamp: t0 + 4000 } }, rm('p=a/1.parquet'), readd, add('p=a/5.parquet')]));
    const listed: unknown[] = [];
    const spy = new Proxy(store, { get: (t, k) => (k === 'list' ? (p: string, o?: ListOptions) => (listed.push([p, o]), t.list(p, o)) : (t as any)[k]) });

    const s = await loadSnapshot(spy, { io: io() });
    expect(listed).toEqual([['_delta_log/', { startAfter: '_delta_log/00000000000000000003' }]]);
    expect(s.version).toBe(4);
    expect(s.files.map((f) => [f.path, f.size]).sort()).toEqual([['p=a/2.parquet', 22], ['p=a/3.parquet', 1], ['p=a/5.parquet', 1]]);
    expect([...s.fileMap.keys()].sort()).toEqual(['p=a/2.parquet', 'p=a/3.parquet', 'p=a/5.parquet']);
    expect(s.tombstones.has('p=a/1.parquet')).toBe(true);
    const updated = await updateSnapshot(store, await loadSnapshot(store, { io: io(), version: 3 }), { io: io() });
    expect(updated.files.map((f) => [f.path, f.size]).sort()).toEqual(s.files.map((f) => [f.path, f.size]).sort());

    // Before the checkpoint, and by timestamp, the whole log is listed.
    listed.length = 0;
    expect((await loadSnapshot(spy, { io: io(), version: 1 })).files.map((f) => f.path)).toEqual(['p=a/1.parquet']);
    expect((await loadSnapshot(spy, { io: io(), timestamp: t0 + 2500 })).version).toBe(2);
    expect((await loadSnapshot(spy, { io: io(), version: 3 })).files).toHaveLength(3);
    expect(listed).toEqual([
      ['_delta_log/', undefined],
      ['_delta_log/', undefined],
      ['_delta_log/', { startAfter: '_delta_log/00000000000000000003' }],
    ]);
  });

  it('fails clearly when _last_checkpoint disagrees with the checkpoint', async () => {
    const store = await localTableStore();
    const t = await DeltaTable.create(store, lake.engine, { fields: [{ name: 'id', type: 'long' }] }, 'bronze.cp');
    await t.write('SELECT 1::BIGINT AS id');
    await t.checkpoint();
    const last = JSON.parse(Buffer.from(await store.get(LAST_CHECKPOINT_KEY)).toString());
    await store.put(LAST_CHECKPOINT_KEY, JSON.stringify({ ...last, size: last.size + 5 }));
    await expect(loadSnapshot(store, { io: io(), table: 'bronze.cp' })).rejects.toThrowError(
      /table bronze\.cp: checkpoint holds \d+ actions but _delta_log\/_last_checkpoint says \d+ \(version 1, _delta_log\/00000000000000000001\.checkpoint\.parquet\)/,
    );
    await store.put(LAST_CHECKPOINT_KEY, JSON.stringify({ version: 1, size: last.size }));
    await store.delete(checkpointKey(1));
    await expect(loadSnapshot(store, { io: io(), table: 'bronze.cp' })).rejects.toThrowError(/points to a checkpoint that is not in the log \(version 1, _delta_log\/00000000000000000001\.checkpoint\.parquet\)/);
  });
});

describe('snapshot updates', () => {
  it('follows new commits across a 1000-version block boundary, listing only from its own version on', async () => {
    const store = await localTableStore();
    const commits: Action[][] = [[{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, meta]];
    for (let v = 1; v <= 998; v++) commits.push(v % 100 === 0 ? [add(`${v}.parquet`)] : []);
    await handLog(store, commits);
    const s998 = await loadSnapshot(store, { io: io() });
    expect(s998.version).toBe(998);
    expect(s998.files).toHaveLength(9);
    await store.put(commitKey(999), serializeCommit([add('999.parquet')]));
    await store.put(commitKey(1000), serializeCommit([add('1000.parquet')]));
    await store.put(commitKey(1001), serializeCommit([rm('100.parquet')]));
    const listed: unknown[] = [];
    const spy = new Proxy(store, { get: (t, k) => (k === 'list' ? (p: string, o?: ListOptions) => (listed.push([p, o]), t.list(p, o)) : (t as any)[k]) });
    const s = await updateSnapshot(spy, s998, { io: io() });
    expect(s.version).toBe(1001);
    expect(s.files.map((f) => f.path).sort()).toEqual(['1000.parquet', '200.parquet', '300.parquet', '400.parquet', '500.parquet', '600.parquet', '700.parquet', '800.parquet', '900.parquet', '999.parquet']);
    // One listing, of the snapshot's own version onward.
    expect(listed).toEqual([['_delta_log/', { startAfter: '_delta_log/00000000000000000998' }]]);
  });
});
