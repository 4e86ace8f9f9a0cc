/**
 * The backup workflow survives its worker: a real Temporal dev server, the real backup
 * activities in a worker child process, the warehouse on the primary MinIO and the backup on
 * the second. The worker is killed with SIGKILL while the backup is copying (seen as objects
 * appearing on the backup site), a new worker is started, and the same workflow run ends with
 * a complete backup: checksums verified, the same rows as the source at the backed-up
 * version, readable by delta-rs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaTable } from '../../lakehouse';
import { listManifests, verifyBackup } from '../../lakehouse/backup';
import { isDataKey } from '../../lakehouse/backup/log-files';
import { backup } from '../../workflows';
import { workflowBundle } from '../../workers/worker';
import { deltaRsRead, openSites, type Sites } from './backup-helpers';
import { startTestServer } from './workflow-env';

const ROOT = path.resolve(__dirname, '../..');
const PARTITIONS = 60;
let env: TestWorkflowEnvironment;
let sites: Sites;
let ledger: DeltaTable;
let tmp: string;
const taskQueue = `backup-kill-${process.pid}`;
const workers: ChildProcess[] = [];

/** A worker process with the real backup activities on the test's task queue (SIGKILL hits the worker itself). */
function startWorker(name: string): ChildProcess {
  const script = path.join(tmp, `${name}.js`);
  const req = (p: string) => JSON.stringify(path.join(ROOT, p));
  fs.writeFileSync(
    script,
    `
const { NativeConnection, Worker, Runtime, DefaultLogger } = require(${JSON.stringify(require.resolve('@temporalio/worker'))});
const { loadConfig } = require(${req('config/env')});
const { useConfig } = require(${req('activities/context')});
const { backupActivities } = require(${req('activities/backup')});
(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = { ...loadConfig(), warehouse: ${JSON.stringify(sites.primaryUrl)}, backupTarget: ${JSON.stringify(sites.backupUrl)} };
  useConfig(config);
  const connection = await NativeConnection.connect({ address: ${JSON.stringify(env.address)} });
  const worker = await Worker.create({ connection, namespace: config.temporal.namespace, taskQueue: ${JSON.stringify(taskQueue)},
    workflowBundle: { codePath: ${JSON.stringify(path.join(tmp, 'workflows.js'))} }, activities: backupActivities, identity: ${JSON.stringify(name)} });
  await worker.run();
})().catch((e) => { console.error(e); process.exit(1); });
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  workers.push(child);
  return child;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-backup-kill-'));
  sites = await openSites('backup-kill');
  ledger = await sites.warehouse.createTable('silver.ledger', {
    fields: [
      { name: 'id', type: 'long', nullable: false },
      { name: 'part', type: 'string' },
      { name: 'amount', type: 'double' },
    ],
    partitionColumns: ['part'],
  });
  // one file per partition: many small copies, so the backup is still copying when it is killed
  await ledger.write(`SELECT i AS id, 'p' || lpad(CAST(i % ${PARTITIONS} AS VARCHAR), 3, '0') AS part, CAST(i * 0.5 AS DOUBLE) AS amount FROM range(0, 3000) t(i)`);
  await ledger.write(`SELECT i AS id, 'p' || lpad(CAST(i % ${PARTITIONS} AS VARCHAR), 3, '0') AS part, CAST(i * 0.5 AS DOUBLE) AS amount FROM range(3000, 3600) t(i)`);
  env = await startTestServer();
  fs.writeFileSync(path.join(tmp, 'workflows.js'), (await workflowBundle()).code);
}, 180_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await env?.teardown();
  await sites?.dispose();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('backup workflow with its worker killed mid-copy', () => {
  it('a new worker resumes the same run: the backup completes, verifies, and reads as the source at its version', async () => {
    const sourceData = (await sites.primary.list('silver/ledger/')).filter((o) => isDataKey(o.key.slice('silver/ledger/'.length)));
    expect(sourceData.length).toBe(2 * PARTITIONS);
    const handle = await env.client.workflow.start(backup, {
      taskQueue,
      workflowId: `test/backup-kill/${Date.now()}`,
      // one copy at a time: the kill lands while files are being copied; a dead worker is noticed after 8 s
      args: [{ verify: 'checksum', concurrency: 1, heartbeatTimeout: '8 seconds' }],
    });
    const first = startWorker('worker-1');
    const seen = await waitFor(
      'the first data files on the backup site',
      async () => {
        const l = (await sites.backup.list('silver/ledger/')).filter((o) => isDataKey(o.key.slice('silver/ledger/'.length)));
        return l.length > 0 ? l : undefined;
      },
      60_000,
    );
    first.kill('SIGKILL');
    await new Promise((r) => (first.exitCode !== null || first.signalCode !== null ? r(undefined) : first.once('exit', r)));
    expect(first.signalCode).toBe('SIGKILL');

    // killed mid-copy: some data files there, not all, no manifest; whatever commits were
    // written make a valid table at an earlier version, with the source's rows at that version
    const atKill = await sites.backup.list('');
    const dataAtKill = atKill.filter((o) => o.key.startsWith('silver/ledger/') && isDataKey(o.key.slice('silver/ledger/'.length)));
    expect(dataAtKill.length).toBeGreaterThanOrEqual(seen.length);
    expect(dataAtKill.length).toBeLessThan(sourceData.length);
    expect(atKill.filter((o) => o.key.startsWith('_backup/manifests/'))).toEqual([]);
    if (atKill.some((o) => o.key.includes('/_delta_log/'))) {
      const partial = deltaRsRead(`${sites.backupUrl}/silver/ledger`, 'backup');
      expect(partial.version).toBeLessThan(await ledger.version());
      const idsThen = await ledger.query<{ id: number }>('SELECT id FROM {{table}} ORDER BY id', { version: partial.version });
      expect(partial.ids).toEqual(idsThen.map((x) => Number(x.id)));
    }

    startWorker('worker-2');
    const r = await handle.result();
    expect(r.verified).toBe(true);
    const t = r.backup.tables[0];
    expect(t).toMatchObject({ table: 'silver.ledger', version: await ledger.version() });
    // the resumed attempt skipped what the killed one had copied
    expect(r.backup.copiedFiles).toBeLessThanOrEqual(t.files - dataAtKill.length);
    // the copy ran twice: the first attempt died with its worker
    const started = (await handle.fetchHistory()).events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(started[0]).toBeGreaterThanOrEqual(2);

    const v = await verifyBackup(sites.backup, { runId: r.backup.runId });
    expect(v.problems).toEqual([]);
    expect(v.checkedFiles).toBe(t.files);
    const manifest = (await listManifests(sites.backup)).find((m) => m.runId === r.backup.runId)!;
    expect(manifest.tables[0].files.filter((f) => f.kind === 'data').length).toBe(sourceData.length);

    const read = deltaRsRead(`${sites.backupUrl}/silver/ledger`, 'backup');
    expect(read.version).toBe(t.version);
    const ids = await ledger.query<{ id: number }>('SELECT id FROM {{table}} ORDER BY id', { version: t.version });
    expect(read.ids).toEqual(ids.map((x) => Number(x.id)));
    expect(read.rows).toBe(3600);
  }, 150_000);
});
