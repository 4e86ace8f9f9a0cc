/**
 * `npm run infra -- up|down|status` on a SEPARATE stack (own folder, own ports), so the shared
 * stack the other suites use is never touched. MinIO alone keeps it fast.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../infra/process';
import { status, type ServiceStatus } from '../../infra/stack';
import { freePorts } from '../helpers/stack';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const PORT_VARS = [
  'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'MINIO_PORT', 'MINIO_CONSOLE_PORT', 'MINIO2_PORT', 'MINIO2_CONSOLE_PORT', 'KAFKA_PORT', 'KAFKA_CONTROLLER_PORT',
  'HDFS_NAMENODE_RPC_PORT', 'HDFS_NAMENODE_HTTP_PORT', 'HDFS_DATANODE_PORT', 'HDFS_DATANODE_HTTP_PORT', 'HDFS_DATANODE_IPC_PORT',
];

describe('infra up / down / status on a separate stack', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const infra = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(TSX, ['infra/cli.ts', ...args], { cwd: ROOT, env, timeout: 90_000 });
    return stdout;
  };
  // The same status the command prints, read in-process (each command costs a tsx start).
  const statusOf = async (): Promise<Record<string, ServiceStatus>> =>
    Object.fromEntries((await status({ env })).map((s) => [s.service, s]));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'financelake-stack-test-'));
    const ports = await freePorts(PORT_VARS.length);
    env = { ...process.env, FINANCELAKE_STACK_DIR: dir, FINANCELAKE_INFRA_WITH: '', ...Object.fromEntries(PORT_VARS.map((v, i) => [v, String(ports[i])])) };
    for (const v of ['S3_ENDPOINT', 'TEMPORAL_ADDRESS', 'KAFKA_BROKERS']) delete env[v];
  });
  afterAll(async () => {
    await infra('down').catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('up twice is harmless; a service killed by hand shows as down; down then status shows everything stopped', { timeout: 300_000 }, async () => {
    const first = await infra('up', 'minio');
    expect(first).toMatch(/minio: started in/);
    const pid = (await statusOf()).minio.pid!;
    expect(fs.readFileSync(path.join(dir, 'run', 'minio.pid'), 'utf8').trim()).toBe(String(pid));
    expect(fs.existsSync(path.join(dir, 'run', 'minio.log'))).toBe(true);

    const second = await infra('up', 'minio');
    expect(second).toMatch(/minio: already running/);
    let st = await statusOf();
    expect(st.minio.state).toBe('running');
    expect(st.minio.pid).toBe(pid); // not restarted
    expect(st.minio.address).toBe(`127.0.0.1:${env.MINIO_PORT}`);
    expect(st.minio.url).toBe(`http://127.0.0.1:${env.MINIO_CONSOLE_PORT}`);
    expect(st.temporal.state).toBe('stopped');
    expect(st.temporal.url).toBe(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);

    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && isAlive(pid, ''); i++) await new Promise((r) => setTimeout(r, 100));
    st = await statusOf();
    expect(st.minio.state).toBe('dead-pid');
    expect(await infra('status')).toMatch(/^minio\s+dead-pid\s/m);

    const again = await infra('up', 'minio');
    expect(again).toMatch(/minio: started in/);
    st = await statusOf();
    expect(st.minio.state).toBe('running');
    expect(st.minio.pid).not.toBe(pid);
    const newPid = st.minio.pid!;

    expect(await infra('down')).toMatch(/stopped minio/);
    expect(isAlive(newPid, '')).toBe(false);
    const rows = JSON.parse(await infra('status', '--json')) as ServiceStatus[];
    expect(rows.map((r) => r.service).sort()).toEqual(Object.keys(st).sort());
    for (const r of rows) expect(r.state, r.service).toBe('stopped');
    expect(fs.readdirSync(path.join(dir, 'run')).filter((f) => f.endsWith('.pid'))).toEqual([]);
    expect(await infra('down')).toMatch(/nothing was running/);
  });
});
