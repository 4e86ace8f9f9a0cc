/** Silver's batch numbering: unique ids in delivery order, the same order by ranking units or by sorting. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine } from '../../lakehouse';
import { numberBatch } from '../../pipeline/run/silver';
import { testEngine } from '../helpers/lakehouse';

let engine: Engine;
let conn: DuckDBConnection;

beforeAll(async () => {
  engine = await testEngine();
  conn = await engine.connect();
});
afterAll(async () => {
  conn.closeSync();
  await engine.close();
});

// two file batches (the later one ingested first in the table) and a Kafka batch over two partitions whose offsets interleave
const ROWS = [
  ['2024-01-02 10:00:00', 'run-2:tx/b.csv', 'tx/b.csv', [3, 2, 10]],
  ['2024-01-02 09:00:00', 'run-1:tx/a.csv', 'tx/a.csv', [2, 3, 4, 100]],
  ['2024-01-02 09:30:00', 'run-1:ticks/0/5', 'ticks/1', [5, 7, 1_000_000]],
  ['2024-01-02 09:30:00', 'run-1:ticks/0/5', 'ticks/0', [6, 5, 8]],
] as const;

async function bronze(rows: readonly (typeof ROWS)[number][] = ROWS): Promise<void> {
  const values = rows.flatMap(([at, batch, unit, lines]) =>
    lines.map((l) => `(TIMESTAMPTZ '${at}+00', '${batch}', '${unit}${unit.startsWith('ticks') ? '/' : ':'}${l}', ${l}, 'r${l}', DATE '2024-01-02', DATE '2024-01-02')`),
  );
  await conn.run(`CREATE OR REPLACE TEMP VIEW s_bronze AS SELECT * FROM (VALUES ${values.join(', ')}) v(_ingested_at, _batch_id, _source, _line, _raw, _date, _ingest_date)`);
}

async function ordered(): Promise<string[]> {
  const r = await conn.runAndReadAll('SELECT _source FROM s_batch ORDER BY _row_id');
  return r.getRowsJS().map((x) => String(x[0]));
}

describe('numberBatch', () => {
  it('numbers every row once, in delivery order: ingest time, batch, file or partition, line or offset', async () => {
    await bronze();
    expect(await numberBatch(conn)).toBe('ranked');
    const n = await conn.runAndReadAll('SELECT count(*), count(DISTINCT _row_id), max(_row_id) < 2::BIGINT ** 53 FROM s_batch');
    expect(n.getRowsJS()[0]).toEqual([13n, 13n, true]);
    expect(await ordered()).toEqual([
      'tx/a.csv:2', 'tx/a.csv:3', 'tx/a.csv:4', 'tx/a.csv:100',
      'ticks/0/5', 'ticks/0/6', 'ticks/0/8', 'ticks/1/5', 'ticks/1/7', 'ticks/1/1000000',
      'tx/b.csv:2', 'tx/b.csv:3', 'tx/b.csv:10',
    ]);
  });

  it('falls back to sorting, in the same order, when the units do not fit the id bits', async () => {
    await bronze();
    await numberBatch(conn);
    const ranked = await ordered();
    expect(await numberBatch(conn, 20)).toBe('sorted');
    expect(await ordered()).toEqual(ranked);
  });

  it('numbers file batches (one unit each) in the same order', async () => {
    await bronze(ROWS.filter((r) => r[2].startsWith('tx/')));
    expect(await numberBatch(conn)).toBe('ranked');
    const ranked = await ordered();
    expect(ranked).toEqual(['tx/a.csv:2', 'tx/a.csv:3', 'tx/a.csv:4', 'tx/a.csv:100', 'tx/b.csv:2', 'tx/b.csv:3', 'tx/b.csv:10']);
    expect(await numberBatch(conn, 7)).toBe('sorted');
    expect(await ordered()).toEqual(ranked);
  });
});
