/**
 * npm run infra -- up [service...] [--with hdfs] [--with minio2]
 * npm run infra -- down [service...]
 * npm run infra -- status [--json]
 *
 * Services: temporal, minio, minio2, kafka, hdfs-namenode, hdfs-datanode.
 * `up` with no service names starts temporal, minio and kafka, plus the groups named by
 * --with or by FINANCELAKE_INFRA_WITH (comma-separated: hdfs, minio2).
 */
import { ConfigError } from '../config/env';
import { DEFAULT_SERVICES, ensureUp, formatStatus, keep, OPTIONAL_GROUPS, SERVICE_NAMES, type ServiceName, StackError, status, stop } from './stack';

const USAGE = `usage: npm run infra -- <command>
  up [service...] [--with hdfs] [--with minio2]   start (idempotent), wait until healthy
  down [service...]                               stop by pid, reverse order
  status [--json]                                 state, address and URL of each service
services: ${SERVICE_NAMES.join(', ')}; default for up: ${DEFAULT_SERVICES.join(', ')}`;

function parse(argv: string[]): { command: string; services: ServiceName[]; groups: string[]; json: boolean } {
  const [command = '', ...rest] = argv;
  const services: ServiceName[] = [];
  const groups = (process.env.FINANCELAKE_INFRA_WITH ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') json = true;
    else if (a === '--with') groups.push(rest[++i] ?? '');
    else if (a.startsWith('--with=')) groups.push(a.slice('--with='.length));
    else if ((SERVICE_NAMES as readonly string[]).includes(a)) services.push(a as ServiceName);
    else if (a === 'hdfs' || a === 'all') services.push(...(a === 'all' ? SERVICE_NAMES : OPTIONAL_GROUPS.hdfs));
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  for (const g of groups) if (!OPTIONAL_GROUPS[g]) throw new Error(`unknown --with "${g}" (one of: ${Object.keys(OPTIONAL_GROUPS).join(', ')})`);
  return { command, services, groups, json };
}

async function main(): Promise<number> {
  const { command, services, groups, json } = parse(process.argv.slice(2));
  const log = (msg: string) => console.log(`[infra] ${msg}`);
  const t0 = Date.now();
  switch (command) {
    case 'up': {
      const want = [...(services.length ? services : DEFAULT_SERVICES), ...groups.flatMap((g) => OPTIONAL_GROUPS[g])];
      const results = await ensureUp(want, { log });
      keep(want);
      for (const r of results) log(`${r.service}: ${r.outcome === 'started' ? `started in ${(r.ms / 1000).toFixed(1)}s` : r.outcome === 'running' ? 'already running' : 'running outside this stack'}`);
      log(`up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      console.log(formatStatus(await status({}, results.map((r) => r.service))));
      return 0;
    }
    case 'down': {
      const results = await stop(services.length ? services : SERVICE_NAMES, { log });
      const stopped = results.filter((r) => r.outcome !== 'not-running').map((r) => r.service);
      log(stopped.length ? `stopped ${stopped.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)}s` : 'nothing was running');
      return 0;
    }
    case 'status': {
      const rows = await status();
      console.log(json ? JSON.stringify(rows, null, 2) : formatStatus(rows));
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof StackError) {
      console.error(`[infra] ${err.message}`);
      console.error(`[infra] failed: ${err.service} did not come up; see ${err.service}'s log under the stack's run/ folder, fix, then run \`npm run infra -- up\` again`);
    } else if (err instanceof ConfigError) {
      console.error(`[infra] configuration error: ${err.message}`);
    } else {
      console.error(`[infra] ${err instanceof Error ? err.message : String(err)}`);
    }
    process.exit(1);
  },
);
