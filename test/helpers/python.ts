/**
 * Runs the delta-rs interop script (test/integration/fixtures/delta_interop.py) with the
 * project's Python venv (.infra/venv, which has deltalake and pyarrow), returning its JSON.
 */
import { execFile } from 'node:child_process';
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

export function deltaRs<T = any>(...args: string[]): Promise<T> {
  requirePython();
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, ...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...s3Env() } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`delta-rs ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch (e) {
        reject(new Error(`delta-rs ${args.join(' ')} printed no JSON: ${(e as Error).message}\n${stdout.slice(0, 500)}\n${stderr}`));
      }
    });
  });
}
