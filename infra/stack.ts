/**
 * The local stack's programmatic API: `ensureUp`, `stop`, `status`.
 * Used by `npm run infra -- up|down|status` (infra/cli.ts), by `npm start` and by the test setup.
 *
 *   await ensureUp(['temporal']);                 // the embedded default
 *   await ensureUp(['temporal', 'minio', 'kafka', 'hdfs-namenode', 'hdfs-datanode']);
 *   await stop(['hdfs-datanode']);                // one service, or all with no argument
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config/env';
import { claim, releaseLease, takeLease } from './leases';
import { isAlive, portOpen, readPid, sleep, startDetached, tail, terminate } from './process';
import { logFile, pidFile, SERVICE_NAMES, SERVICES, type ServiceName, type StackContext } from './services';

export { BUCKETS, DEFAULT_SERVICES, OPTIONAL_GROUPS, SERVICE_NAMES, type ServiceName, type StackContext } from './services';

export interface StackOptions {
  /** Defaults to loadConfig(env). */
  config?: Config;
  /** Environment read for the config and FINANCELAKE_STACK_DIR; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** This stack's folder (pid files, logs, configs, data); default FINANCELAKE_STACK_DIR or the install cache. */
  stateDir?: string;
  /** Progress lines; default silent. */
  log?: (msg: string) => void;
  /**
   * ensureUp for a process that wants what it starts stopped when it is done (a test run):
   * it takes a lease, and `release()` stops what lease holders started once the last leaves.
   */
  lease?: boolean;
}

export function stackContext(opts: StackOptions = {}): StackContext {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig(env);
  const stateDir = path.resolve(config.root, opts.stateDir ?? (env.FINANCELAKE_STACK_DIR || config.infraDir));
  return {
    config,
    paths: {
      infraDir: config.infraDir,
      stateDir,
      runDir: path.join(stateDir, 'run'),
      confDir: path.join(stateDir, 'conf'),
      dataDir: path.join(stateDir, 'data'),
    },
  };
}

/** A service that did not come up; the message names it, says why, and carries its log's tail. */
export class StackError extends Error {
  /** Set by ensureUp: the services that did come up, so a caller can stop what it started. */
  results: UpResult[] = [];
  constructor(readonly service: ServiceName, readonly why: string, readonly logTail?: string) {
    super(`${service}: ${why}${logTail ? `\n--- last lines of its log ---\n${logTail}` : ''}`);
    this.name = 'StackError';
  }
}

export type UpOutcome = 'started' | 'running' | 'external';
export interface UpResult {
  service: ServiceName;
  outcome: UpOutcome;
  ms: number;
}

/** The services plus what they need, in start order. */
export function withNeeds(services: readonly ServiceName[]): ServiceName[] {
  const want = new Set<ServiceName>();
  const add = (s: ServiceName) => {
    for (const n of SERVICES[s].needs ?? []) add(n);
    want.add(s);
  };
  services.forEach(add);
  return SERVICE_NAMES.filter((s) => want.has(s));
}

async function waitHealthy(ctx: StackContext, name: ServiceName, pid: number | undefined, timeoutMs: number): Promise<void> {
  const spec = SERVICES[name];
  const deadline = Date.now() + timeoutMs;
  let why: string | undefined = 'not checked yet';
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid, spec.signature(ctx))) {
      throw new StackError(name, `exited during start (pid ${pid})`, tail(logFile(ctx, name)));
    }
    why = await spec.health(ctx);
    if (why === undefined) return;
    await sleep(500);
  }
  throw new StackError(name, `not healthy after ${Math.round(timeoutMs / 1000)}s: ${why}`, tail(logFile(ctx, name)));
}

function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel.startsWith('..') ? p : rel;
}

async function upOne(ctx: StackContext, name: ServiceName, log: (msg: string) => void): Promise<UpResult> {
  try {
    return await upOneUnwrapped(ctx, name, log);
  } catch (err) {
    if (err instanceof StackError) throw err;
    throw new StackError(name, err instanceof Error ? err.message : String(err), tail(logFile(ctx, name)));
  }
}

async function upOneUnwrapped(ctx: StackContext, name: ServiceName, log: (msg: string) => void): Promise<UpResult> {
  const t0 = Date.now();
  const spec = SERVICES[name];
  const done = async (outcome: UpOutcome): Promise<UpResult> => {
    await spec.ready?.(ctx);
    return { service: name, outcome, ms: Date.now() - t0 };
  };
  const pf = pidFile(ctx, name);
  const pid = readPid(pf);
  if (pid !== undefined && isAlive(pid, spec.signature(ctx))) {
    // Ours and alive: healthy already, or still starting from another `up`.
    await waitHealthy(ctx, name, pid, spec.startTimeoutMs);
    return done('running');
  }
  fs.rmSync(pf, { force: true });
  if (await portOpen(spec.port(ctx))) {
    const why = await spec.health(ctx);
    if (why === undefined) {
      log(`${name}: found running at ${spec.address(ctx)}, not started by this stack (${ctx.paths.stateDir}); using it`);
      return done('external');
    }
    throw new StackError(name, `port ${spec.port(ctx)} is taken by another process that is not a healthy ${name} (${why})`);
  }
  for (const file of spec.requires(ctx)) {
    if (!fs.existsSync(file)) throw new StackError(name, `not installed (${file} missing): run \`bash infra/install.sh ${spec.installStep}\``);
  }
  log(`${name}: starting (log ${displayPath(logFile(ctx, name))})`);
  await spec.prepare?.(ctx, log);
  const newPid = startDetached(spec.launch(ctx), logFile(ctx, name), pf);
  try {
    await waitHealthy(ctx, name, newPid, spec.startTimeoutMs);
    return await done('started');
  } catch (err) {
    // Leave nothing half-started behind.
    await terminate(newPid, spec.signature(ctx), 5000);
    fs.rmSync(pf, { force: true });
    throw err;
  }
}

/**
 * Makes sure the services (and what they need) are up and healthy: finds them running, or starts them.
 * Idempotent. Independent services start in parallel. Throws a StackError naming the first
 * service that failed, after the others have settled; services started before the failure keep running.
 */
export async function ensureUp(services: readonly ServiceName[], opts: StackOptions = {}): Promise<UpResult[]> {
  const ctx = stackContext(opts);
  const log = opts.log ?? (() => undefined);
  fs.mkdirSync(ctx.paths.runDir, { recursive: true });
  const names = withNeeds(services);
  const settled = await Promise.allSettled(names.map((n) => upOne(ctx, n, log)));
  const up = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (opts.lease) takeLease(ctx, up.filter((r) => r.outcome === 'started').map((r) => r.service));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    const err: unknown = failed.reason;
    if (err instanceof StackError) err.results = up;
    throw err;
  }
  return up;
}

/** A person's `infra up`: these services are theirs now, no test run's `release()` stops them. */
export function keep(services: readonly ServiceName[], opts: StackOptions = {}): void {
  claim(stackContext(opts), withNeeds(services));
}

/**
 * Ends the lease taken by `ensureUp(..., { lease: true })`; when no other holder is left,
 * stops the services lease holders started. Returns what it stopped.
 */
export async function release(opts: StackOptions = {}): Promise<StopResult[]> {
  const toStop = releaseLease(stackContext(opts));
  return toStop.length ? stop(toStop, opts) : [];
}

export interface StopResult {
  service: ServiceName;
  outcome: 'stopped' | 'killed' | 'not-running';
}

/** Stops the services (default: all) by their own pid, in reverse start order; removes the pid files. */
export async function stop(services: readonly ServiceName[] = SERVICE_NAMES, opts: StackOptions = {}): Promise<StopResult[]> {
  const ctx = stackContext(opts);
  const log = opts.log ?? (() => undefined);
  const results: StopResult[] = [];
  for (const name of [...SERVICE_NAMES].reverse()) {
    if (!services.includes(name)) continue;
    const spec = SERVICES[name];
    const pf = pidFile(ctx, name);
    const pid = readPid(pf);
    let outcome: StopResult['outcome'] = 'not-running';
    if (pid !== undefined) {
      outcome = await terminate(pid, spec.signature(ctx), spec.stopGraceMs);
      if (outcome !== 'not-running') log(`${name}: ${outcome} (pid ${pid})`);
    }
    fs.rmSync(pf, { force: true });
    results.push({ service: name, outcome });
  }
  return results;
}

export type ServiceState =
  | 'running' // our pid, alive and healthy
  | 'unhealthy' // our pid, alive, health check failing (starting, or broken)
  | 'dead-pid' // a pid file whose process is gone (killed or crashed): down
  | 'stopped' // no pid file, nothing on the port
  | 'external'; // no pid file of ours, but something answers on the port

export interface ServiceStatus {
  service: ServiceName;
  state: ServiceState;
  pid?: number;
  address: string;
  url?: string;
  detail?: string;
  log: string;
}

/** True for the states in which the service is not there to use. */
export const isDown = (s: ServiceState) => s === 'dead-pid' || s === 'stopped';

/** State, pid, address and URL of the services (default: all), health-checked in parallel. */
export async function status(opts: StackOptions = {}, services: readonly ServiceName[] = SERVICE_NAMES): Promise<ServiceStatus[]> {
  const ctx = stackContext(opts);
  return Promise.all(SERVICE_NAMES.filter((n) => services.includes(n)).map(async (name): Promise<ServiceStatus> => {
    const spec = SERVICES[name];
    const base = { service: name, address: spec.address(ctx), url: spec.url?.(ctx), log: logFile(ctx, name) };
    const pid = readPid(pidFile(ctx, name));
    if (pid !== undefined) {
      if (!isAlive(pid, spec.signature(ctx))) return { ...base, state: 'dead-pid', pid, detail: 'process is gone' };
      const why = await spec.health(ctx);
      return { ...base, state: why === undefined ? 'running' : 'unhealthy', pid, detail: why };
    }
    if (await portOpen(spec.port(ctx), '127.0.0.1', 500)) {
      const why = await spec.health(ctx);
      return { ...base, state: 'external', detail: why === undefined ? 'healthy, not started by this stack' : `port ${spec.port(ctx)} taken: ${why}` };
    }
    return { ...base, state: 'stopped' };
  }));
}

export function formatStatus(rows: ServiceStatus[]): string {
  const label: Partial<Record<ServiceName, string>> = { temporal: 'Web UI', minio: 'console', minio2: 'console', 'hdfs-namenode': 'NameNode UI, WebHDFS', 'hdfs-datanode': 'DataNode HTTP' };
  const table = [['SERVICE', 'STATE', 'PID', 'ADDRESS', 'URL'],
    ...rows.map((r) => [r.service, r.state, r.pid ? String(r.pid) : '-', r.address, r.url ? `${r.url} (${label[r.service]})` : '-'])];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const lines = table.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  for (const r of rows) if (r.detail && r.state !== 'running') lines.push(`  ${r.service}: ${r.detail}`);
  return lines.join('\n');
}
