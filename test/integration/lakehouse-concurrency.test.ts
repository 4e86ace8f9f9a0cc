/**
 * Concurrency across separate processes on MinIO: put-if-absent commits never lose or
 * duplicate a commit, and overlapping replaceWhere writers get exactly one winner per round.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, openStore, readLog, type Engine, type ObjectStore } from '../../lakehouse';
import { createConcurrentTable, runLakehouseWriter, testEngine } from '../helpers/lakehouse';
import { expectReplaceWhereRace } from '../helpers/races';
import { disposeStores, freshLocation, s3Options } from '../helpers/stores';

const runWriter = (args: string[]) => runLakehouseWriter(args, { timeoutMs: 180_000, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine({ s3: s3Options() });
});
afterAll(async () => {
  await engine.close();
  await disposeStores();
});

async function newTable(label: string): Promise<{ url: string; store: ObjectStore; table: DeltaTable }> {
  const { url, options } = await freshLocation('s3', label);
  const store = openStore(url, options);
  const table = await createConcurrentTable(store, engine);
  return { url, store, table };
}

describe('concurrent writer processes on MinIO', () => {
  it('8 processes x 25 appends: 200 commits at contiguous versions, every row once', async () => {
    const { url, store, table } = await newTable('appends');
    const WRITERS = 8;
    const EACH = 25;
    const results = await Promise.all(Array.from({ length: WRITERS }, (_, w) => runWriter(['append', url, String(w + 1), String(EACH)])));
    const versions = results.flat().map((r) => r.version as number);
    expect(versions).toHaveLength(WRITERS * EACH);
    expect(new Set(versions).size).toBe(WRITERS * EACH); // no version reported twice
    expect(Math.min(...versions)).toBe(1);
    expect(Math.max(...versions)).toBe(WRITERS * EACH);

    const log = await readLog(store, { table: 'test.concurrent' });
    expect(log.map((e) => e.version)).toEqual(Array.from({ length: WRITERS * EACH + 1 }, (_, v) => v));
    expect(log.slice(1).every((e) => e.actions.filter((a) => 'add' in a).length === 1)).toBe(true);

    const ids = await table.query<{ id: number }>('SELECT id FROM {{table}} ORDER BY id');
    const expected = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: EACH }, (_, i) => (w + 1) * 1000 + i)).flat().sort((a, b) => a - b);
    expect(ids.map((r) => r.id)).toEqual(expected);
    // Checkpoints were written along the way (interval 10) and agree with the log.
    expect((await store.list('_delta_log/')).some((o) => o.key.endsWith('.checkpoint.parquet'))).toBe(true);
    expect(await (await DeltaTable.open(store, engine)).count()).toBe(WRITERS * EACH);
  });

  it('overlapping replaceWhere writers: exactly one winner per round, conflict errors for the others', async () => {
    const { url, table } = await newTable('replace');
    await expectReplaceWhereRace(table, url, runWriter, 4, 5);
  });
});
