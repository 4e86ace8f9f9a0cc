/**
 * Checkpoint Parquet reading (lakehouse/engine/checkpoint-io.ts): the packed transport must give
 * back exactly what was written, also when strings hold its separators, and one DESCRIBE's struct
 * types must split into the members DuckDB itself lists.
 */
import { describe, expect, it } from 'vitest';
import { DuckDBCheckpointIO, type Action, type AddFile } from '../../lakehouse';
import { CHECKPOINT_COLUMNS, structMembers } from '../../lakehouse/engine/checkpoint-io';
import { localTableStore } from '../helpers/lakehouse';
import { useTestEngine } from '../helpers/engine';

const lake = useTestEngine();

const protocol: Action = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };
const metaData: Action = { metaData: { id: 'm', format: { provider: 'parquet', options: {} }, schemaString: '{"type":"struct","fields":[]}', partitionColumns: ['p'], configuration: { 'delta.checkpointInterval': '3' }, createdTime: 1 } };
const add = (path: string, over: Partial<AddFile> = {}): Action => ({ add: { path, partitionValues: { p: 'a' }, size: 10, modificationTime: 1_700_000_000_123, dataChange: false, stats: '{"numRecords":1}', ...over } });

async function roundTrip(actions: Action[]) {
  const store = await localTableStore();
  const io = new DuckDBCheckpointIO(lake.engine);
  await io.writeCheckpoint(store, '_delta_log/00000000000000000001.checkpoint.parquet', actions);
  return io.readCheckpoint(store, ['_delta_log/00000000000000000001.checkpoint.parquet']);
}

describe('checkpoint read', () => {
  it('reads every action kind back, NULL members absent, long numbers exact, partition maps shared', async () => {
    const c = await roundTrip([
      protocol,
      metaData,
      { txn: { appId: 'loader', version: 7 } },
      add('p=a/1.parquet'),
      add('p=a/2.parquet', { stats: null, size: 9_007_199_254_740_991 }),
      add('p=b/3%20x.parquet', { partitionValues: { p: null }, tags: { k: 'v' } }),
      { remove: { path: 'p=a/0.parquet', deletionTimestamp: 5, dataChange: true, size: 3 } },
    ]);
    expect(c.protocols).toEqual([{ minReaderVersion: 1, minWriterVersion: 2 }]);
    expect(c.metadata[0]).toMatchObject({ id: 'm', partitionColumns: ['p'], configuration: { 'delta.checkpointInterval': '3' } });
    expect(c.txns).toEqual([{ appId: 'loader', version: 7 }]);
    expect(c.adds.map((a) => [a.path, a.partitionValues, a.size, a.modificationTime, a.dataChange, a.stats, a.tags])).toEqual([
      ['p=a/1.parquet', { p: 'a' }, 10, 1_700_000_000_123, false, '{"numRecords":1}', undefined],
      ['p=a/2.parquet', { p: 'a' }, 9_007_199_254_740_991, 1_700_000_000_123, false, undefined, undefined],
      ['p=b/3%20x.parquet', { p: null }, 10, 1_700_000_000_123, false, '{"numRecords":1}', { k: 'v' }],
    ]);
    expect(c.adds[0].partitionValues).toBe(c.adds[1].partitionValues); // one object per distinct partition
    expect(Object.isFrozen(c.adds[0].partitionValues)).toBe(true);
    expect(c.removes).toEqual([{ path: 'p=a/0.parquet', deletionTimestamp: 5, dataChange: true, size: 3 }]);
  });

  it('reads strings holding the transport separators or its NULL mark exactly', async () => {
    const odd = ['a\x1fb', '\x1d', '\x1d\x1f', '', 'x\x1d'];
    const c = await roundTrip([protocol, metaData, ...odd.map((stats, i) => add(`p=a/${i}.parquet`, { stats })), add('p=a/n.parquet', { stats: null })]);
    expect(c.adds.map((a) => a.stats)).toEqual([...odd, undefined]);
    // Only the NULL mark itself: the count of NULLs tells it from a real NULL.
    const mark = await roundTrip([protocol, metaData, add('p=a/0.parquet', { stats: '\x1d' })]);
    expect(mark.adds[0].stats).toBe('\x1d');
  });
});

describe('struct members from one DESCRIBE', () => {
  it('splits each checkpoint column type as DuckDB lists its members, quoted and nested names included', async () => {
    const types = [...Object.values(CHECKPOINT_COLUMNS), 'STRUCT("offset" INTEGER, "a ""b"", c" DECIMAL(10,2), n STRUCT(x VARCHAR[], "y z" MAP(VARCHAR, STRUCT(k BIGINT, v DOUBLE))), t TIMESTAMP WITH TIME ZONE)'];
    const conn = await lake.engine.connect();
    try {
      for (const type of types) {
        const printed = (await lake.engine.all<{ column_type: string }>(`DESCRIBE SELECT NULL::${type} AS s`, conn))[0].column_type;
        const listed = await lake.engine.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT unnest(NULL::${type})`, conn);
        expect(structMembers(printed)).toEqual(listed.map(({ column_name, column_type }) => ({ column_name, column_type })));
      }
    } finally {
      conn.closeSync();
    }
    expect(structMembers('MAP(VARCHAR, VARCHAR)')).toBeUndefined();
    expect(structMembers('STRUCT(a INTEGER')).toBeUndefined();
  });
});
