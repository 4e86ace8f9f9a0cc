/**
 * Runs the delta-rs interop script (test/integration/fixtures/delta_interop.py) with the
 * project's Python venv (.infra/venv, which has deltalake and pyarrow), returning its JSON.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lakehouse';
import { s3Options } from './stores';

export const PYTHON = path.join(ROOT, '.infra', 'venv', 'bin', 'python');
const SCRIPT = path.join(ROOT, 'test', 'integration', 'fixtures', 'delta_interop.py');

export function requirePython(): void {
  if (!existsSync(PYTHON)) throw new Error(`Python venv with deltalake missing at ${PYTHON}: run bash infra/install.sh`);
}

/** S3 settings for delta-rs (object_store reads AWS_* variables). */
function s3Env(): Record<string, string> {
  const o = s3Options();
  const env: Record<string, string> = {};
  if (o.endpoint) env.AWS_ENDPOINT_URL = o.endpoint;
  if (o.accessKeyId) env.AWS_ACCESS_KEY_ID = o.accessKeyId;
  if (o.secretAccessKey) env.AWS_SECRET_ACCESS_KEY = o.secretAccessKey;
  env.AWS_REGION = o.region ?? 'us-east-1';
  return env;
}

/**
 * Under heavy machine load the delta-rs Python process has been seen to abort in its native
 * runtime ("terminate called without an active exception"). That crash, and only that, is
 * retried: a wrong answer or a Python error still fails the test.
 */
const NATIVE_ABORT_ATTEMPTS = 3;
function nativeAbort(err: { signal?: string | null; stderr?: unknown }): boolean {
  return err.signal === 'SIGABRT' || /terminate called/.test(String(err.stderr ?? ''));
}

/**
 * delta-rs's runtime can abort in interpreter teardown after the script's work is done:
 * a snippet that finishes flushes and exits without the teardown (an exception still exits 1).
 */
const EXIT_WITHOUT_TEARDOWN = '\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_sys.stderr.flush()\n_os._exit(0)\n';

/** Runs a Python snippet with the venv's interpreter (deltalake, pyarrow) and returns its trimmed stdout. */
export function runPython(script: string, env: Record<string, string> = {}): string {
  requirePython();
  script += EXIT_WITHOUT_TEARDOWN;
  for (let attempt = 1; ; attempt++) {
    try {
      return execFileSync(PYTHON, ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }).trim();
    } catch (err) {
      if (!nativeAbort(err as { signal?: string; stderr?: unknown }) || attempt >= NATIVE_ABORT_ATTEMPTS) throw err;
    }
  }
}

function runInteropOnce(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, ...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...s3Env() } }, (err, stdout, stderr) => {
      if (err) return reject(Object.assign(err, { stderr }));
      resolve({ stdout, stderr });
    });
  });
}

export async function deltaRs<T = any>(...args: string[]): Promise<T> {
  requirePython();
  for (let attempt = 1; ; attempt++) {
    let out: { stdout: string; stderr: string };
    try {
      out = await runInteropOnce(args);
    } catch (err) {
      const e = err as Error & { signal?: string; stderr?: string };
      if (nativeAbort(e) && attempt < NATIVE_ABORT_ATTEMPTS) continue;
      throw new Error(`delta-rs ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
    }
    try {
      return JSON.parse(out.stdout) as T;
    } catch (e) {
      throw new Error(`delta-rs ${args.join(' ')} printed no JSON: ${(e as Error).message}\n${out.stdout.slice(0, 500)}\n${out.stderr}`);
    }
  }
}
