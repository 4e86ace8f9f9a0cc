/**
 * Shared use of one stack by concurrent processes that bring services up for themselves and
 * take them down after (test runs): each holds a lease while it runs; services such a process
 * started are recorded, and the last holder to leave stops them. Services started any other
 * way (`npm run infra -- up`, `npm start`) are never recorded, so never stopped by a holder;
 * `infra up` also claims recorded services it finds running, so a developer's `up` keeps them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from './process';
import { SERVICE_NAMES, type ServiceName, type StackContext } from './services';

const leaseDir = (ctx: StackContext) => path.join(ctx.paths.runDir, 'leases');
const startedFile = (ctx: StackContext) => path.join(ctx.paths.runDir, 'lease-started.json');

function readStarted(ctx: StackContext): Set<ServiceName> {
  try {
    const names = JSON.parse(fs.readFileSync(startedFile(ctx), 'utf8')) as string[];
    return new Set(SERVICE_NAMES.filter((n) => names.includes(n)));
  } catch {
    return new Set();
  }
}

function writeStarted(ctx: StackContext, names: Set<ServiceName>): void {
  if (names.size === 0) fs.rmSync(startedFile(ctx), { force: true });
  else fs.writeFileSync(startedFile(ctx), JSON.stringify([...names]));
}

/** Live lease holders other than this process; removes the leases of dead ones. */
function otherHolders(ctx: StackContext): number[] {
  let files: string[] = [];
  try {
    files = fs.readdirSync(leaseDir(ctx));
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const f of files) {
    const pid = Number(f);
    if (pid === process.pid) continue;
    if (Number.isInteger(pid) && isAlive(pid, '')) live.push(pid);
    else fs.rmSync(path.join(leaseDir(ctx), f), { force: true });
  }
  return live;
}

/** Registers this process as a user of the stack, and the services it just started. */
export function takeLease(ctx: StackContext, started: readonly ServiceName[]): void {
  fs.mkdirSync(leaseDir(ctx), { recursive: true });
  fs.writeFileSync(path.join(leaseDir(ctx), String(process.pid)), '');
  const all = readStarted(ctx);
  for (const s of started) all.add(s);
  writeStarted(ctx, all);
}

/**
 * Ends this process's lease. Returns the services to stop now: those lease holders started,
 * when no other holder is left; otherwise none.
 */
export function releaseLease(ctx: StackContext): ServiceName[] {
  fs.rmSync(path.join(leaseDir(ctx), String(process.pid)), { force: true });
  if (otherHolders(ctx).length > 0) return [];
  const started = [...readStarted(ctx)];
  writeStarted(ctx, new Set());
  return started;
}

/** `up` on behalf of a person: the services stop being lease holders' to stop. */
export function claim(ctx: StackContext, services: readonly ServiceName[]): void {
  const all = readStarted(ctx);
  if (services.some((s) => all.delete(s))) writeStarted(ctx, all);
}
