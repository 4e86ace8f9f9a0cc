/**
 * The same generic path with the landing zone and the warehouse on MinIO (S3 API): generate
 * through the ObjectStore, ingest CSV/JSON lines/Parquet from s3://, silver and gold on s3://.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse, type Engine } from '../../lakehouse';
import { generate, generateData, runTask, type TaskContext } from '../../pipeline';
import { testEngine } from '../helpers/lakehouse';
import { disposeStores, freshLocation, s3Options } from '../helpers/stores';

const OPTS = { days: 1, startDate: '2024-06-03', transactionsPerDay: 600, ticksPerDay: 100, defectRate: 0.05, seed: 3 };
const D = OPTS.startDate;
let engine: Engine;
let ctx: TaskContext;

beforeAll(async () => {
  engine = await testEngine();
  const landing = await freshLocation('s3', 'landing');
  const wh = await freshLocation('s3', 'warehouse');
  const warehouse = await Warehouse.open(wh.url, { engine, s3: s3Options() });
  ctx = { warehouse, engine, landing: landing.url, s3: s3Options(), heartbeat: () => undefined };
  await generate({ ...OPTS, landing: landing.url, s3: s3Options() });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await disposeStores();
});

describe('pipeline on MinIO', () => {
  it('runs bronze -> silver -> gold with the invariant and the generator counts', async () => {
    const run = (taskId: string) => runTask(ctx, { taskId, date: D, runId: 'minio-1' });
    for (const t of ['bronze.customers', 'silver.customers', 'bronze.fx_rates', 'silver.fx_rates', 'bronze.transactions']) await run(t);
    const silver = await run('silver.transactions');
    const delivered = generateData(OPTS).days[0].delivered;
    expect(silver.rowsIn).toBe(delivered.length);
    expect({ passed: silver.rowsOut, quarantined: silver.quarantined, duplicates: silver.duplicates }).toEqual({
      passed: delivered.filter((r) => r.expected === 'silver').length,
      quarantined: delivered.filter((r) => r.expected === 'quarantine').length,
      duplicates: delivered.filter((r) => r.expected === 'duplicate').length,
    });
    const formats = await (await ctx.warehouse.table('bronze.transactions'))!.query<{ f: string }>('SELECT DISTINCT _format AS f FROM {{table}} ORDER BY 1');
    expect(formats.map((r) => r.f)).toEqual(['csv', 'jsonl', 'parquet']);
    const gold = await run('gold.daily_transaction_summary');
    const txns = delivered.filter((r) => r.expected === 'silver').map((r) => r.value!);
    const rows = await (await ctx.warehouse.table('gold.daily_transaction_summary'))!.query<{ n: number; c: number }>('SELECT sum(txn_count) AS n, count(*) AS c FROM {{table}}');
    expect(Number(rows[0].n)).toBe(txns.length);
    expect(Number(rows[0].c)).toBe(new Set(txns.map((t) => `${t.region}|${t.type}|${t.currency}`)).size);
    expect(gold.rowsOut).toBe(Number(rows[0].c));
    const again = await run('bronze.transactions');
    expect(again.committed).toBe(false);
  });
});
