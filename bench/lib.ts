/**
 * Shared helpers of the benchmarks: arguments, timing, child processes with their peak memory,
 * the Python peers' venv, and the side-by-side table. Benchmarks are scripts, not tests.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const BENCH_VENV_PY = path.join(ROOT, '.infra', 'bench-venv', 'bin', 'python');
export const INFRA_VENV_PY = path.join(ROOT, '.infra', 'venv', 'bin', 'python');

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** A fresh folder for one benchmark run (kept on disk; removed at start of the next run of the same name). */
export function benchDir(name: string): string {
  const dir = path.join(ROOT, '.data', 'bench', name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Python with polars/deltalake/duckdb (bench/setup.sh), else the infra venv (deltalake only), else undefined. */
export function python(need: 'polars' | 'deltalake' | 'pyspark' = 'deltalake'): string | undefined {
  if (fs.existsSync(BENCH_VENV_PY)) return BENCH_VENV_PY;
  if (need === 'deltalake' && fs.existsSync(INFRA_VENV_PY)) return INFRA_VENV_PY;
  return undefined;
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let kids: string[] = [];
    try {
      kids = fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return;
    }
    for (const k of kids) {
      out.push(Number(k));
      walk(Number(k));
    }
  };
  walk(pid);
  return out;
}

function hwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Peak RSS of a process tree, sampled: per process VmHWM (its own high-water mark), summed over the live tree. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system, every thread) a live process has used so far, from /proc; 0 when
 * it is gone. On a busy machine, CPU is a steadier measure of work than wall time.
 */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

export class PeakRss {
  private peakKb = 0;
  private seen = new Map<number, number>();
  private timer: NodeJS.Timeout;
  constructor(readonly pid: number, everyMs = 200) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): void {
    for (const p of [this.pid, ...descendants(this.pid)]) {
      const kb = hwmKb(p);
      if (kb > 0) this.seen.set(p, Math.max(this.seen.get(p) ?? 0, kb));
    }
    let total = 0;
    for (const kb of this.seen.values()) total += kb;
    this.peakKb = Math.max(this.peakKb, total);
  }
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.peakKb * 1024;
  }
}

export interface ChildRun {
  code: number;
  ms: number;
  peakRssBytes: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, measuring its wall time and the peak RSS of its process tree. */
export function runChild(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; echo?: boolean } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const rss = new PeakRss(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.echo) process.stderr.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.echo) process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, ms: performance.now() - t0, peakRssBytes: rss.stop(), stdout, stderr }));
  });
}

/** The last line of a child's stdout that parses as JSON (peers print their result that way). */
export function lastJson<T>(run: ChildRun, what: string): T {
  const lines = run.stdout.trim().split('\n').reverse();
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      return JSON.parse(l) as T;
    } catch {
      // keep looking
    }
  }
  throw new Error(`${what}: exit ${run.code}, no JSON result\n--- stderr ---\n${run.stderr.slice(-3000)}\n--- stdout ---\n${run.stdout.slice(-1500)}`);
}

/** Node running a TypeScript file in ONE process (no tsx launcher), so its RSS is its own. */
export function nodeTs(file: string, args: string[] = []): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', file, ...args]];
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function secs(ms: number): string {
  return (ms / 1000).toFixed(2);
}

export function ratio(a: number | undefined, b: number | undefined): string {
  if (!a || !b) return '-';
  return `${(a / b).toFixed(2)}x`;
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(line(headers));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of cells.slice(1)) console.log(line(r));
}

/** What the figures were measured on: printed with every benchmark. */
export function machineLine(): string {
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  return `${new Date().toISOString()} | ${os.cpus().length} cores ${os.cpus()[0]?.model ?? ''} | ${(os.totalmem() / 2 ** 30).toFixed(0)} GB | load ${load} | node ${process.version}`;
}

export function dirBytes(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else total += fs.statSync(p).size;
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return total;
}
