/**
 * The drDrill workflow's last step: after the warehouse is restored from the backup site, the
 * drill runs the daily pipeline for the next day (a child workflow on the same worker) and
 * that day's rows are what the generated data says they must be, while the restored days
 * still read exactly as the backup held them. Real Temporal (the stack's dev server), the
 * real activities, the warehouse on the primary MinIO, the backup on the second MinIO.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedContext } from '../../activities/context';
import { fingerprint } from '../../lakehouse/backup';
import { generate } from '../../pipeline';
import { generateData } from '../../pipeline/generate/generate';
import { dailyPipeline, drDrill } from '../../workflows';
import { dailyWorkflowId } from '../../workflows/ids';
import { openSites, type Sites } from '../integration/backup-helpers';
import { e2eSpace, inProcessWorker, quietTemporal, type E2eSpace } from './harness';
import { expectedOhlcv, silverTransactions } from './expected';

const DATES = ['2032-05-01', '2032-05-02'];
const GEN = { seed: 23, transactionsPerDay: 120, ticksPerDay: 100, customers: 25, defectRate: 0.03 };
let sites: Sites;
let space: E2eSpace;
let client: Client;
let stop: () => Promise<void>;

beforeAll(async () => {
  quietTemporal();
  sites = await openSites('dr-next-day');
  space = e2eSpace('dr-next-day', { FINANCELAKE_KAFKA: '0', FINANCELAKE_WAREHOUSE: sites.primaryUrl, FINANCELAKE_BACKUP_TARGET: sites.backupUrl });
  await generate({ landing: space.config.landing, days: DATES.length, startDate: DATES[0], ...GEN });
  ({ client, stop } = await inProcessWorker(space, DATES));
}, 240_000);

afterAll(async () => {
  await stop?.();
  space?.cleanup();
  await sites?.dispose();
});

describe('drDrill with nextDay', () => {
  it('restores, then the next day run by the drill holds the expected new-day rows; the restored days are intact', async () => {
    const day1 = await client.workflow.execute(dailyPipeline, { taskQueue: space.config.temporal.taskQueue, workflowId: dailyWorkflowId(DATES[0]), args: [{ date: DATES[0] }] });
    expect(day1.status).toBe('succeeded');

    const r = await client.workflow.execute(drDrill, {
      taskQueue: space.config.temporal.taskQueue,
      workflowId: `test/dr-next-day/${Date.now()}`,
      args: [{ confirm: space.config.warehouse, nextDay: DATES[1] }],
    });
    expect(r.report.ok).toBe(true);
    if (!r.pipeline) throw new Error('the drill ran no next day');
    expect(r.pipeline.status).toBe('succeeded');
    // the drill's own check: no row of an earlier business date changed in any table
    expect(r.changed).toEqual([]);
    expect(r.unchangedBeforeNextDay).toBe(true);

    // the new day, against an independent computation from the generated records
    const data = generateData({ days: DATES.length, startDate: DATES[0], ...GEN });
    const { warehouse, engine } = await sharedContext();
    const silver = (await warehouse.table('silver.transactions'))!;
    const wantIds = silverTransactions(data, DATES[1]).map((t) => t.transaction_id).sort();
    const gotIds = (await silver.query<{ id: string }>(`SELECT CAST(transaction_id AS VARCHAR) AS id FROM {{table}} WHERE date = DATE '${DATES[1]}' ORDER BY 1`)).map((x) => x.id);
    expect(gotIds).toEqual(wantIds);
    const ohlcv = await (await warehouse.table('gold.daily_ohlcv'))!.query<Record<string, unknown>>(`SELECT * FROM {{table}} WHERE date = DATE '${DATES[1]}'`);
    const want = expectedOhlcv(data, DATES[1]);
    expect(ohlcv.map((o) => String(o.symbol)).sort()).toEqual([...want.keys()].sort());
    for (const o of ohlcv) {
      const w = want.get(String(o.symbol))!;
      for (const f of ['open', 'high', 'low', 'close', 'volume', 'vwap', 'trade_count'] as const) expect(Number(o[f]), `${String(o.symbol)} ${f}`).toBeCloseTo(w[f], 9);
    }

    // every table still reads, at the version the drill restored, exactly what the backup held
    for (const t of r.report.tables) {
      expect(await fingerprint(warehouse.store, engine, t.table, t.table.split('.').join('/'), t.backupVersion), t.table).toEqual(t.expected);
    }
  }, 300_000);
});
