/**
 * Quarantine replay after an upstream fix: transactions of a customer missing from the day's
 * snapshot are quarantined (foreign key); once the snapshot is corrected, the replay releases
 * exactly them into silver, and a later silver re-run agrees.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, generateData, replayQuarantined } from '../../pipeline';
import { cleanupDirs } from '../helpers/lakehouse';
import { pipelineEnv, type PipelineEnv } from '../helpers/pipeline';

const OPTS = { days: 1, startDate: '2024-05-06', transactionsPerDay: 1500, ticksPerDay: 50, defectRate: 0, seed: 99 };
const D = OPTS.startDate;
let env: PipelineEnv;
let missing: string;
let missingCount: number;

async function count(table: string, where: string): Promise<number> {
  const t = await env.warehouse.table(table);
  return t ? t.count(where) : 0;
}

beforeAll(async () => {
  env = await pipelineEnv();
  const data = generateData(OPTS);
  const perCustomer = new Map<string, number>();
  for (const r of data.days[0].delivered) perCustomer.set(r.value!.customer_id, (perCustomer.get(r.value!.customer_id) ?? 0) + 1);
  [missing, missingCount] = [...perCustomer].sort((a, b) => b[1] - a[1])[0];
  await generate({ ...OPTS, landing: env.landing });
  // the upstream defect: the snapshot lost one customer
  const file = path.join(env.landing, 'customers', D, 'customers.csv');
  const lines = (await fs.readFile(file, 'utf8')).split('\n');
  await fs.writeFile(file, lines.filter((l) => !l.toUpperCase().startsWith(`${missing},`)).join('\n'));
  await fs.writeFile(path.join(env.root, 'fix.csv'), [lines[0], ...lines.filter((l) => l.toUpperCase().startsWith(`${missing},`))].join('\n') + '\n');
  for (const t of ['bronze.customers', 'silver.customers', 'bronze.fx_rates', 'silver.fx_rates', 'bronze.transactions', 'silver.transactions']) await env.run(t, D);
}, 120_000);

afterAll(async () => {
  await env?.engine.close();
  await cleanupDirs();
});

describe('quarantine replay', () => {
  it('releases the rows an upstream fix makes valid, once, and silver agrees on re-run', async () => {
    expect(await count('silver.quarantine', `dataset = 'transactions' AND date = '${D}'`)).toBe(missingCount);
    const before = await count('silver.transactions', `date = '${D}'`);
    expect(before).toBe(OPTS.transactionsPerDay - missingCount);

    // nothing to release while the cause is still there
    const early = await replayQuarantined(env.ctx, { dataset: 'transactions', date: D, runId: 'replay-0' });
    expect({ examined: early.examined, released: early.released }).toEqual({ examined: missingCount, released: 0 });

    // the fix arrives as a corrected snapshot file for the same day
    await fs.copyFile(path.join(env.root, 'fix.csv'), path.join(env.landing, 'customers', D, 'customers-fix.csv'));
    await env.run('bronze.customers', D);
    await env.run('silver.customers', D);
    const replay = await replayQuarantined(env.ctx, { dataset: 'transactions', date: D, runId: 'replay-1' });
    expect({ examined: replay.examined, released: replay.released, stillQuarantined: replay.stillQuarantined }).toEqual({ examined: missingCount, released: missingCount, stillQuarantined: 0 });
    expect(await count('silver.transactions', `date = '${D}'`)).toBe(OPTS.transactionsPerDay);
    expect(await count('silver.transactions', `customer_id = '${missing}'`)).toBe(missingCount);
    expect(await count('silver.quarantine', `dataset = 'transactions' AND date = '${D}'`)).toBe(0);

    const again = await replayQuarantined(env.ctx, { dataset: 'transactions', date: D, runId: 'replay-2' });
    expect(again.examined).toBe(0);
    const rerun = await env.run('silver.transactions', D);
    expect({ passed: rerun.rowsOut, quarantined: rerun.quarantined }).toEqual({ passed: OPTS.transactionsPerDay, quarantined: 0 });
  });
});
