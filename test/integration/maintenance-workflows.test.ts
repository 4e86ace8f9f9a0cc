/**
 * The maintenance and backup workflows on a real Temporal dev server with the real
 * activities, a warehouse on the primary MinIO and the backup on the second MinIO.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { backupActivities } from '../../activities/backup';
import { closeSharedContext, useConfig } from '../../activities/context';
import { maintenanceActivities } from '../../activities/maintenance';
import type { FinanceLakeActivities } from '../../activities/types';
import { listManifests } from '../../lakehouse/backup';
import { backup, drDrill, maintenance, restoreWarehouse } from '../../workflows';
import { createWorker } from '../../workers/worker';
import { S3Store } from '../../lakehouse/storage';
import { deltaRsRead, openSites, s3, tradesQuery, TRADES, type Sites } from './backup-helpers';
import { startTestServer } from './workflow-env';

let env: TestWorkflowEnvironment;
let sites: Sites;
let stopWorker: () => Promise<void>;
const taskQueue = `maint-wf-${process.pid}`;

beforeAll(async () => {
  sites = await openSites('maint-wf');
  const t = await sites.warehouse.createTable('silver.trades', TRADES);
  for (let k = 0; k < 6; k++) await t.write(tradesQuery(k * 30, (k + 1) * 30));
  const config = { ...loadConfig(), warehouse: sites.primaryUrl, backupTarget: sites.backupUrl };
  useConfig(config);
  env = await startTestServer();
  const w = await createWorker({ config, connection: env.nativeConnection, taskQueue, activities: { ...maintenanceActivities, ...backupActivities } as unknown as Partial<FinanceLakeActivities> });
  const done = w.run();
  stopWorker = async () => {
    w.worker.shutdown();
    await done;
  };
}, 180_000);

afterAll(async () => {
  await stopWorker?.();
  await env?.teardown();
  await closeSharedContext();
  await sites?.dispose();
});

describe('maintenance and backup workflows', () => {
  it('maintenance compacts, checkpoints and vacuums every table; the rows stay the same', async () => {
    const r = await env.client.workflow.execute(maintenance, {
      taskQueue,
      workflowId: `test/maintenance/${Date.now()}`,
      args: [{ targetFileSize: 8 * 1024 * 1024, retentionHours: 0, forceRetention: true }],
    });
    expect(r.failed).toEqual([]);
    const t = r.tables.find((x) => x.table === 'silver.trades')!;
    expect(t.analysis?.needsCompaction).toBe(true);
    expect(t.optimize).toMatchObject({ filesBefore: 12, filesAfter: 2 });
    expect(t.checkpointVersion).toBe(t.optimize!.version);
    expect(t.vacuumed?.files).toBe(12);
    const read = deltaRsRead(`${sites.primaryUrl}/silver/trades`, 'main');
    expect(read.rows).toBe(180);
  });

  it('backup copies to the second site and verifies with checksums; restore into a fresh location reads the same', async () => {
    const r = await env.client.workflow.execute(backup, { taskQueue, workflowId: `test/backup/${Date.now()}`, args: [{ verify: 'checksum', retention: { keepDaily: 7, keepWeekly: 4 } }] });
    expect(r.verified).toBe(true);
    expect(r.backup.tables.map((t) => t.table)).toEqual(['silver.trades']);
    const manifests = await listManifests(sites.backup);
    expect(manifests.at(-1)!.runId).toBe(r.backup.runId);
    expect(manifests.at(-1)!.verifiedAt).toBeDefined();
    expect(deltaRsRead(`${sites.backupUrl}/silver/trades`, 'backup').rows).toBe(180);

    const dest = `${sites.primaryUrl}-wf-restored`;
    const rr = await env.client.workflow.execute(restoreWarehouse, { taskQueue, workflowId: `test/restore/${Date.now()}`, args: [{ dest }] });
    expect(rr.tables[0]).toMatchObject({ table: 'silver.trades', version: r.backup.tables[0].version });
    expect(deltaRsRead(`${dest}/silver/trades`, 'main').rows).toBe(180);
    const store = new S3Store(dest, s3('main'));
    for (const o of await store.list('')) await store.delete(o.key);
  });

  it('drDrill refuses without the confirmation, then destroys and restores the warehouse and reports RTO/RPO', async () => {
    await expect(env.client.workflow.execute(drDrill, { taskQueue, workflowId: `test/dr/${Date.now()}`, args: [{ confirm: 'yes' }] })).rejects.toThrow();
    expect(deltaRsRead(`${sites.primaryUrl}/silver/trades`, 'main').rows).toBe(180); // nothing destroyed
    const r = await env.client.workflow.execute(drDrill, { taskQueue, workflowId: `test/dr/${Date.now()}`, args: [{ confirm: sites.warehouse.url }] });
    expect(r.report.ok).toBe(true);
    expect(r.report.tables).toEqual([expect.objectContaining({ table: 'silver.trades', lostVersions: 0 })]);
    expect(r.report.rpoMs).toBe(0); // the drill backed up first: nothing lost
    expect(r.report.rtoMs).toBeGreaterThan(0);
    expect(deltaRsRead(`${sites.primaryUrl}/silver/trades`, 'main').rows).toBe(180);
  });
});
