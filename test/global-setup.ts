/**
 * Shared setup of the test suite: finds the local stack up, or brings up what is missing, with
 * the same API as `npm run infra -- up` (infra/stack.ts). Fails with a message naming the
 * service that could not come up and the command that starts it.
 * Services it started are stopped after the suite (once no other test run is using them, see
 * infra/leases.ts); a stack found running is left running.
 *
 * Skipped when only unit tests are selected (`vitest run test/unit`) or with FINANCELAKE_TEST_STACK=off.
 */
import type { TestProject } from 'vitest/node';
import { ensureUp, release, StackError, type ServiceName } from '../infra/stack';

/** What the integration suites use: Temporal, MinIO (+ the backup site), Kafka, HDFS. */
export const SUITE_SERVICES: ServiceName[] = ['temporal', 'minio', 'minio2', 'kafka', 'hdfs-namenode', 'hdfs-datanode'];
const UP_COMMAND = 'npm run infra -- up --with hdfs --with minio2';

function onlyUnitTests(project: TestProject): boolean {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  return filters.length > 0 && filters.every((f) => /(^|\/)test\/unit(\/|$)/.test(f) || f.startsWith('unit/'));
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.FINANCELAKE_TEST_STACK === 'off' || onlyUnitTests(project)) return undefined;
  const t0 = Date.now();
  const log = (msg: string) => console.log(`[test stack] ${msg}`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let started: ServiceName[];
  try {
    const results = await ensureUp(SUITE_SERVICES, { log, lease: true });
    started = results.filter((r) => r.outcome === 'started').map((r) => r.service);
  } catch (err) {
    await release().catch(() => undefined);
    if (!(err instanceof StackError)) throw err;
    const install = err.why.includes('not installed') ? 'bash infra/install.sh && ' : '';
    throw new Error(
      `The test stack is not up: ${err.service} did not come up (${err.why}).\n` +
        `Start the stack with: ${install}${UP_COMMAND}` +
        (err.logTail ? `\n--- last lines of the ${err.service} log ---\n${err.logTail}` : ''),
    );
  }
  log(started.length ? `started ${started.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)}s; stopped after the suite once no other test run uses them` : 'found running');
  process.env.FINANCELAKE_TEST_STACK_UP = SUITE_SERVICES.join(',');
  return async () => {
    const stopped = await release();
    if (stopped.length) log(`stopped ${stopped.map((s) => s.service).join(', ')}`);
  };
}
