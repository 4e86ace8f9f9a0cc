/**
 * financelake table analyze|optimize|zorder|vacuum|checkpoint|history|restore <table> — table
 * maintenance in this process (progress on stderr) — and `table maintain` / `table schedule`
 * for the maintenance workflow and its nightly Temporal Schedule.
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig } from '../../config/env';
import { closeSharedContext, sharedContext, useConfig } from '../../activities/context';
import type { DeltaTable } from '../../lakehouse';
import { analyze, checkpoint, cleanupExpiredLogs, filesForPredicate, formatBytes, optimize, restoreTable, vacuum, zorder } from '../../lakehouse/maintenance';
import { dataset } from '../../pipeline';
import { maintenance as maintenanceWorkflow } from '../../workflows';
import { CommandFailed, UsageError, dailyCronAt, list, optionalInt, optionalNumber, parse } from '../args';
import type { Command } from '../command';
import { table as render } from '../format';
import { connectClient, uiLink, upsertSchedule } from '../temporal';

const usage = `financelake table analyze <table> [--target-mb 128]
financelake table optimize <table> [--target-mb 128] [--where "date = '2024-01-01'"]
financelake table zorder <table> [--columns a,b] [--where PRED] [--point "a = 1 AND b = 2"]
financelake table vacuum <table> [--retention-hours 168] [--dry-run] [--force]
financelake table checkpoint <table> [--cleanup-logs]
financelake table history <table> [--limit 20]
financelake table restore <table> --version N | --timestamp ISO
financelake table maintain [--tables a,b] [--dry-run]        (runs the maintenance workflow)
financelake table schedule [--at 03:00] [--paused]           (the nightly maintenance Schedule)`;

export const MAINTENANCE_SCHEDULE_ID = 'financelake-maintenance';

function say(s: string): void {
  process.stderr.write(`${s}\n`);
}

async function schedule(values: { at?: string; paused?: boolean }): Promise<void> {
  const config = loadConfig();
  const spec = { cronExpressions: [dailyCronAt(values.at, 'at', '03:00', usage)] };
  const action = { type: 'startWorkflow' as const, workflowType: maintenanceWorkflow, taskQueue: config.temporal.taskQueue, workflowId: `financelake/scheduled/${MAINTENANCE_SCHEDULE_ID}`, args: [{}] as [Parameters<typeof maintenanceWorkflow>[0]] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6 hours', pauseOnFailure: false };
  const { client, close } = await connectClient(config);
  try {
    const what = await upsertSchedule(client, { scheduleId: MAINTENANCE_SCHEDULE_ID, spec, action, policies, note: 'financelake nightly maintenance', paused: values.paused });
    const d = await client.schedule.getHandle(MAINTENANCE_SCHEDULE_ID).describe();
    console.log(`${what} schedule ${MAINTENANCE_SCHEDULE_ID}: maintenance daily at ${values.at ?? '03:00'} UTC; next ${d.info.nextActionTimes[0]?.toISOString() ?? '-'}`);
  } finally {
    await close();
  }
}

async function maintain(values: { tables?: string; 'dry-run'?: boolean }): Promise<number> {
  const config = loadConfig();
  const { client, close } = await connectClient(config);
  try {
    const id = `financelake/maintenance/${new Date().toISOString()}`;
    const handle = await client.workflow.start(maintenanceWorkflow, { taskQueue: config.temporal.taskQueue, workflowId: id, args: [{ tables: list(values.tables), dryRun: values['dry-run'] }] });
    say(`started ${id}: ${uiLink(config, id, handle.firstExecutionRunId)}`);
    const r = await handle.result();
    console.log(render(['table', 'files', 'compacted', 'zorder', 'checkpoint', 'vacuumed'], r.tables.map((t) => [t.table, t.analysis?.files ?? '', t.optimize ? `${t.optimize.filesBefore}->${t.optimize.filesAfter}` : '-', t.zorder ? `${t.zorder.partitionsRewritten} part.` : '-', t.checkpointVersion ?? '', t.vacuumed ? `${t.vacuumed.files} (${formatBytes(t.vacuumed.bytes)})` : ''])));
    return 0;
  } finally {
    await close();
  }
}

async function openTable(name: string | undefined): Promise<DeltaTable> {
  if (!name) throw new UsageError('name the table, e.g. silver.transactions', usage);
  const { warehouse } = await sharedContext();
  const t = await warehouse.table(name);
  if (!t) throw new CommandFailed(`no table ${name} in ${warehouse.url} (tables: ${(await warehouse.listTables()).join(', ') || 'none'})`);
  return t;
}

export const tableCommand: Command = {
  name: 'table',
  summary: 'table maintenance: analyze | optimize | zorder | vacuum | checkpoint | history | restore | maintain | schedule',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    const subs = ['analyze', 'optimize', 'zorder', 'vacuum', 'checkpoint', 'history', 'restore', 'maintain', 'schedule'];
    if (!sub || !subs.includes(sub)) throw new UsageError(`table needs one of: ${subs.join(', ')}${sub ? ` (got "${sub}")` : ''}`, usage);
    const { values, positionals } = parse(
      rest,
      {
        'target-mb': { type: 'string' },
        where: { type: 'string' },
        columns: { type: 'string' },
        point: { type: 'string' },
        'retention-hours': { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        'cleanup-logs': { type: 'boolean' },
        limit: { type: 'string' },
        version: { type: 'string' },
        timestamp: { type: 'string' },
        tables: { type: 'string' },
        at: { type: 'string' },
        paused: { type: 'boolean' },
      },
      usage,
      true,
    );
    if (sub === 'schedule') {
      await schedule(values);
      return 0;
    }
    if (sub === 'maintain') return maintain(values);
    const targetMb = optionalNumber(values['target-mb'], 'target-mb', usage, 0.001, 10_000);
    const targetFileSize = targetMb === undefined ? undefined : Math.round(targetMb * 1024 * 1024);
    useConfig(loadConfig());
    try {
      const t = await openTable(positionals[0]);
      switch (sub) {
        case 'analyze': {
          const a = await analyze(t, { targetFileSize });
          console.log(`${a.table} v${a.version}: ${a.files} files, ${formatBytes(a.bytes)}, ${a.rows ?? '?'} rows, ${a.partitions.length} partition(s), small files ${a.smallFiles} (${(a.smallFileShare * 100).toFixed(0)}%), sizes min ${formatBytes(a.sizes.min)} / p50 ${formatBytes(a.sizes.p50)} / max ${formatBytes(a.sizes.max)}, partition skew ${a.partitionSkew}x`);
          console.log(`needs compaction: ${a.needsCompaction ? 'YES' : 'no'} — ${a.reason}`);
          const rows = a.partitions.map((p) => [p.partition || '(table)', p.files, formatBytes(p.bytes), p.rows ?? '', p.rowsPerFile ?? '', p.smallFiles, p.needsCompaction ? 'yes' : '']);
          console.log(render(['partition', 'files', 'size', 'rows', 'rows/file', 'small', 'compact'], rows.slice(0, 50)));
          if (rows.length > 50) console.log(`… ${rows.length - 50} more partitions`);
          return 0;
        }
        case 'optimize': {
          const r = await optimize(t, { targetFileSize, where: values.where, heartbeat: (d) => say(`optimize ${JSON.stringify(d)}`) });
          console.log(`${r.table}: ${r.filesBefore} -> ${r.filesAfter} files, ${formatBytes(r.bytesBefore)} -> ${formatBytes(r.bytesAfter)}, ${r.partitions.length} partition(s) rewritten${r.conflicts ? `, ${r.conflicts} gave way to concurrent writers` : ''}; version ${r.version}`);
          return 0;
        }
        case 'zorder': {
          const columns = list(values.columns) ?? (() => {
            try {
              return dataset(t.name.split('.')[1]).zorderColumns;
            } catch {
              return undefined;
            }
          })();
          if (!columns?.length) throw new UsageError(`--columns: ${t.name} declares no zorderColumns; name them`, usage);
          const before = values.point ? await filesForPredicate(t, values.point) : undefined;
          const r = await zorder(t, columns, { targetFileSize, where: values.where, heartbeat: (d) => say(`zorder ${JSON.stringify(d)}`) });
          console.log(`${r.table}: Z-ordered by ${columns.join(', ')}: ${r.partitions.length} partition(s), ${r.filesBefore} -> ${r.filesAfter} files; version ${r.version}`);
          if (values.point && before) {
            const after = await filesForPredicate(t, values.point);
            console.log(`point query ${values.point}: files scanned ${before.filesScanned}/${before.filesTotal} (${formatBytes(before.bytesScanned)}) before, ${after.filesScanned}/${after.filesTotal} (${formatBytes(after.bytesScanned)}) after`);
          }
          return 0;
        }
        case 'vacuum': {
          const r = await vacuum(t, { retentionHours: optionalInt(values['retention-hours'], 'retention-hours', usage, 0), dryRun: values['dry-run'], force: values.force, onProgress: (p) => p.deleted % 500 === 0 && say(`vacuum ${p.deleted}/${p.total}`) });
          console.log(`${r.table}: ${r.dryRun ? 'would delete' : 'deleted'} ${r.files.length} file(s), ${formatBytes(r.bytes)} (cutoff ${r.cutoff}; ${r.keptForRetention} unreferenced file(s) kept for time travel inside the retention)`);
          if (r.dryRun) for (const f of r.files.slice(0, 200)) console.log(`  ${f.key}  ${formatBytes(f.size)}  (${f.reason})`);
          return 0;
        }
        case 'checkpoint': {
          const r = await checkpoint(t);
          console.log(`${r.table}: checkpoint at version ${r.version}`);
          if (values['cleanup-logs']) {
            const c = await cleanupExpiredLogs(t);
            console.log(`expired log files deleted: ${c.deleted.length} (log kept from checkpoint ${c.fromCheckpoint ?? '-'}; cutoff ${c.cutoff})`);
          }
          return 0;
        }
        case 'history': {
          const h = await t.history(optionalInt(values.limit, 'limit', usage) ?? 20);
          console.log(render(['version', 'timestamp', 'operation', 'parameters', 'metrics'], h.map((e) => [e.version, new Date(e.timestamp).toISOString(), e.operation, e.operationParameters ?? '', e.operationMetrics ?? ''])));
          return 0;
        }
        default: {
          const version = optionalInt(values.version, 'version', usage, 0);
          if ((version === undefined) === (values.timestamp === undefined)) throw new UsageError('give --version N or --timestamp ISO', usage);
          const r = await restoreTable(t, version !== undefined ? { version } : { timestamp: values.timestamp });
          console.log(`${r.table}: restored to version ${r.restoredVersion} as version ${r.version}: ${r.metrics.numRestoredFiles} file(s) re-added, ${r.metrics.numRemovedFiles} removed; ${r.metrics.numOfFilesAfterRestore} files, ${formatBytes(r.metrics.tableSizeAfterRestore)}`);
          return 0;
        }
      }
    } finally {
      await closeSharedContext();
    }
  },
};
