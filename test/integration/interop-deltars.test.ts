/**
 * Interoperability with real Delta readers and writers, on local disk and on MinIO:
 * tables we write are read by delta-rs and DuckDB's delta_scan with the same rows, schema,
 * partition values and history (and delta-rs skips files on our stats); tables delta-rs
 * writes are read by us with the same rows at every version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, parseStats, type Engine, type ObjectStore, type TableDefinition } from '../../lakehouse';
import { sortRows, testEngine } from '../helpers/lakehouse';
import { deltaRs } from '../helpers/python';
import { disposeStores, freshStore, s3Options, type Backend } from '../helpers/stores';

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine({ s3: s3Options() });
  await engine.loadExtension('delta');
});
afterAll(async () => {
  await engine.close();
  await disposeStores();
});

const def: TableDefinition = {
  fields: [
    { name: 'id', type: 'long' },
    { name: 'date', type: 'date' },
    { name: 'region', type: 'string' },
    { name: 'amount', type: 'decimal(18,2)' },
    { name: 'ts', type: 'timestamp' },
  ],
  partitionColumns: ['date'],
};

const rows = (date: string, from: number, n: number, extra = '') =>
  `SELECT (range + ${from})::BIGINT AS id, DATE '${date}' AS date, CASE WHEN range % 3 = 0 THEN NULL ELSE 'R' || (range % 2) END AS region, (range * 1.25)::DECIMAL(18,2) AS amount, TIMESTAMPTZ '${date} 08:00:00.123+00' + to_seconds(range) AS ts${extra} FROM range(${n})`;

/** A table with the shapes that matter: partitions, several commits, replaceWhere, evolved schema, delete, checkpoint. */
async function buildOurs(store: ObjectStore): Promise<DeltaTable> {
  const t = await DeltaTable.create(store, engine, def, 'interop.ours');
  await t.write(rows('2024-01-01', 0, 10)); // v1
  await t.write(rows('2024-01-02', 1000, 10)); // v2
  await t.write(rows('2024-01-02', 2000, 5), { replaceWhere: "date = '2024-01-02'" }); // v3
  await t.write(rows('2024-01-03', 3000, 4, `, 'web' AS channel`), { mergeSchema: true }); // v4
  await t.delete('id = 3'); // v5
  await t.checkpoint();
  await t.write(rows('2024-01-04', 4000, 3, `, NULL::VARCHAR AS channel`)); // v6
  return t;
}

function location(store: ObjectStore): string {
  return store.url.startsWith('file://') ? new URL(store.url).pathname : store.url;
}

describe.each<Backend>(['local', 's3'])('interop on %s', (backend) => {
  it('delta-rs and DuckDB delta_scan read the tables we write', async () => {
    const store = await freshStore(backend, 'ours');
    const t = await buildOurs(store);
    const uri = location(store);
    const rs = await deltaRs('read', uri);
    expect(rs.version).toBe(6);
    expect(rs.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(rs.partitionColumns).toEqual(['date']);
    const ours = await t.definition();
    expect(rs.schema).toEqual(ours.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable ?? true })));
    expect(rs.schema.at(-1)).toEqual({ name: 'channel', type: 'string', nullable: true });
    expect(sortRows(rs.rows)).toEqual(sortRows(await t.query('SELECT * FROM {{table}}')));
    expect(rs.rows).toHaveLength(10 - 1 + 5 + 4 + 3);

    // Same history, same partition values and the stats we wrote.
    const history = await t.history();
    expect(rs.history.map((h: any) => [h.version, h.operation]).sort()).toEqual(history.map((h) => [h.version, h.operation]).sort());
    const snap = await t.snapshot();
    expect(rs.adds.map((a: any) => a['partition.date']).sort()).toEqual(snap.files.map((f) => f.partitionValues.date).sort());
    for (const a of rs.adds) {
      const f = snap.files.find((x) => decodeURIComponent(x.path) === decodeURIComponent(a.path))!;
      const stats = parseStats(f.stats)!;
      expect(a.num_records).toBe(stats.numRecords);
      expect(a['min.id']).toBe(stats.minValues!.id);
      expect(a['max.id']).toBe(stats.maxValues!.id);
      expect(a['null_count.region']).toBe(stats.nullCount!.region);
    }

    // Every earlier version reads the same in delta-rs and in our time travel.
    for (let v = 0; v <= 5; v++) {
      const old = await deltaRs('read', uri, String(v));
      expect(sortRows(old.rows)).toEqual(sortRows(await t.query('SELECT * FROM {{table}}', { version: v })));
    }

    // delta-rs skips files on our stats: only the 2024-01-02 file can hold ids 2001..2002.
    const pruned = await deltaRs<{ all: number; kept: number }>('prune', uri, 'id >= 2001 AND id <= 2002');
    expect(pruned.all).toBe(snap.files.length);
    expect(pruned.kept).toBe(1);

    // DuckDB's own Delta reader (delta-kernel-rs inside the delta extension).
    const scanned = await engine.all(`SELECT * FROM delta_scan('${t.store.directPath('_delta_log')!.replace(/\/_delta_log$/, '')}')`);
    expect(sortRows(scanned)).toEqual(sortRows(await t.query('SELECT * FROM {{table}}')));
  });

  it('we read the tables delta-rs writes, at every version', async () => {
    const store = await freshStore(backend, 'theirs');
    const written = await deltaRs<{ latest: number; versions: Record<string, unknown[]> }>('write', location(store));
    expect(written.latest).toBe(5);
    const t = await DeltaTable.open(store, engine, 'interop.theirs');
    expect((await store.list('_delta_log/')).some((o) => o.key.endsWith('.checkpoint.parquet'))).toBe(true);
    for (let v = 0; v <= written.latest; v++) {
      expect(sortRows(await t.query('SELECT * FROM {{table}}', { version: v }))).toEqual(sortRows(written.versions[String(v)]));
    }
    // And we append to it: delta-rs reads our commit on top of its log and checkpoint.
    await t.write(`SELECT 900::BIGINT AS id, DATE '2024-01-09' AS date, 'X' AS region, 9.99::DECIMAL(18,2) AS amount, TIMESTAMPTZ '2024-01-09 00:00:00+00' AS ts`);
    const after = await deltaRs('read', location(store));
    expect(after.version).toBe(written.latest + 1);
    expect(sortRows(after.rows)).toEqual(sortRows(await t.query('SELECT * FROM {{table}}')));
  });
});
