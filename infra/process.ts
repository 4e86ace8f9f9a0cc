/**
 * Process bookkeeping for the local stack: pid files, liveness, detached start, stop by pid.
 * Linux only (reads /proc), like the rest of the local stack.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function readPid(pidFile: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(pidFile, 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * True when `pid` is a live (not zombie) process whose command line contains `signature`,
 * so a pid reused by an unrelated process after a crash does not count as the service.
 */
export function isAlive(pid: number, signature: string): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return cmdline.includes(signature);
  } catch {
    return false;
  }
}

export interface Launch {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Starts a daemon in its own process group with stdout and stderr appended to `logFile`,
 * writes its pid file, and lets the caller exit without waiting for it.
 */
export function startDetached(launch: Launch, logFile: string, pidFile: string): number {
  const header = `\n===== ${new Date().toISOString()} start: ${launch.command} ${launch.args.join(' ')}\n`;
  fs.appendFileSync(logFile, header);
  const fd = fs.openSync(logFile, 'a');
  try {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: { ...process.env, ...launch.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${launch.command}`);
    child.on('error', () => undefined); // reported through the health wait and the log
    child.unref();
    fs.writeFileSync(pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  // The daemon leads its own process group (detached start): signal the group so
  // nothing it forked survives it; fall back to the pid alone.
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(pid: number, signature: string, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(pid, signature)) return 'not-running';
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid, signature)) return 'stopped';
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isAlive(pid, signature); i++) await sleep(100);
  return 'killed';
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The last `lines` lines of a log file (reads at most its last 64 KiB). */
export function tail(file: string, lines = 40): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '(no log yet)';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    fs.closeSync(fd);
  }
}
