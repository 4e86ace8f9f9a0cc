/**
 * The daily Schedule: dailyPipeline at a fixed time (default 02:00 UTC) for the previous day.
 * A Schedule cannot template the date into the args, so it starts the workflow with no date
 * and the workflow takes the day before its scheduled time. `create` is idempotent: it
 * creates the schedule or updates the existing one to the given spec.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../config/env';
import { dailyPipeline } from '../../workflows';
import { DAILY_SCHEDULE_ID } from '../../workflows/ids';
import { CommandFailed, UsageError, dailyCronAt, list, optionalInt, parse } from '../args';
import type { Command } from '../command';
import { table } from '../format';
import { connectClient, upsertSchedule } from '../temporal';

const usage = `financelake schedule create [--at HH:MM | --cron "M H * * *"] [--timezone UTC] [--catchup-hours N] [--datasets a,b] [--paused] [--id ID]
financelake schedule pause|unpause|trigger|delete [--id ID] [--note TEXT]
financelake schedule list`;

export interface DailyScheduleOptions {
  cron: string;
  timezone: string;
  catchupHours: number;
  datasets?: string[];
  paused?: boolean;
}

export function cronFor(at: string | undefined, cron: string | undefined): string {
  if (at !== undefined && cron !== undefined) throw new UsageError('give --at or --cron, not both', usage);
  if (cron !== undefined) {
    if (cron.trim().split(/\s+/).length !== 5) throw new UsageError(`--cron: expected 5 fields "minute hour day month weekday", got "${cron}"`, usage);
    return cron.trim();
  }
  return dailyCronAt(at, 'at', '02:00', usage);
}

/** Create the schedule, or bring an existing one to this spec: running it twice is harmless. */
export async function upsertDailySchedule(client: Client, config: Config, id: string, o: DailyScheduleOptions): Promise<'created' | 'updated'> {
  const spec = { cronExpressions: [o.cron], timezone: o.timezone };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: dailyPipeline,
    taskQueue: config.temporal.taskQueue,
    workflowId: `financelake/scheduled/${id}`,
    args: [o.datasets ? { datasets: o.datasets } : {}] as [Parameters<typeof dailyPipeline>[0]],
  };
  // BUFFER_ALL: after downtime the missed days run one after another, in date order (SKIP would
  // drop every missed day but the first while it runs; days must not overlap: docs/workflows.md)
  const policies = { catchupWindow: `${o.catchupHours} hours`, overlap: ScheduleOverlapPolicy.BUFFER_ALL, pauseOnFailure: false };
  return upsertSchedule(client, { scheduleId: id, spec, action, policies, note: 'financelake daily pipeline', paused: o.paused });
}

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'the daily Schedule: create (or update) | pause | unpause | trigger | list | delete',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    const subs = ['create', 'pause', 'unpause', 'trigger', 'list', 'delete'];
    if (!sub || !subs.includes(sub)) throw new UsageError(`schedule needs one of: ${subs.join(', ')}${sub ? ` (got "${sub}")` : ''}`, usage);
    const { values } = parse(
      rest,
      { at: { type: 'string' }, cron: { type: 'string' }, timezone: { type: 'string' }, 'catchup-hours': { type: 'string' }, datasets: { type: 'string' }, paused: { type: 'boolean' }, id: { type: 'string' }, note: { type: 'string' } },
      usage,
    );
    const id = values.id ?? DAILY_SCHEDULE_ID;
    const cron = sub === 'create' ? cronFor(values.at, values.cron) : '';
    const catchupHours = optionalInt(values['catchup-hours'], 'catchup-hours', usage, 1, 24 * 366) ?? 24;
    const config = loadConfig();
    const { client, close } = await connectClient(config);
    try {
      const handle = client.schedule.getHandle(id);
      const missing = (e: unknown) => {
        if (e instanceof ScheduleNotFoundError) throw new CommandFailed(`no schedule ${id}; create it with 'financelake schedule create'`);
        throw e;
      };
      switch (sub) {
        case 'create': {
          const what = await upsertDailySchedule(client, config, id, { cron, timezone: values.timezone ?? 'UTC', catchupHours, datasets: list(values.datasets), paused: values.paused });
          const d = await handle.describe();
          console.log(`${what} schedule ${id}: dailyPipeline at "${cron}" ${values.timezone ?? 'UTC'} for the previous day, catch-up window ${catchupHours}h${d.state.paused ? ', paused' : ''}`);
          console.log(`next runs: ${d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ')}`);
          return 0;
        }
        case 'pause':
          await handle.pause(values.note ?? 'paused from the financelake CLI').catch(missing);
          console.log(`paused ${id}`);
          return 0;
        case 'unpause':
          await handle.unpause(values.note ?? 'unpaused from the financelake CLI').catch(missing);
          console.log(`unpaused ${id}`);
          return 0;
        case 'trigger':
          await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL).catch(missing);
          console.log(`triggered ${id}: a dailyPipeline for yesterday (UTC) starts now`);
          return 0;
        case 'delete':
          await handle.delete().catch(missing);
          console.log(`deleted ${id}`);
          return 0;
        default: {
          const rows: unknown[][] = [];
          for await (const s of client.schedule.list()) {
            rows.push([s.scheduleId, s.state.paused ? 'paused' : 'active', s.info.nextActionTimes[0]?.toISOString() ?? '', s.info.recentActions.at(-1)?.takenAt.toISOString() ?? '']);
          }
          console.log(rows.length ? table(['schedule', 'state', 'next run', 'last run'], rows) : 'no schedules');
          return 0;
        }
      }
    } finally {
      await close();
    }
  },
};
