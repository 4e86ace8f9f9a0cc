/** The Temporal client for the CLI, with an error that says how to start the server. */
import { Client, Connection, ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config/env';
import { CommandFailed } from './args';

export async function connectClient(config: Config): Promise<{ client: Client; close: () => Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5 seconds' });
  } catch (e) {
    throw new CommandFailed(
      `cannot reach Temporal at ${config.temporal.address} (${(e as Error).message}); start it with 'npm run infra -- up' or 'financelake start'`,
    );
  }
  return { client: new Client({ connection, namespace: config.temporal.namespace }), close: () => connection.close() };
}

/** The Temporal Web UI page of a workflow. */
export function uiLink(config: Config, workflowId: string, runId?: string): string {
  const host = config.temporal.address.split(':')[0] === '0.0.0.0' ? '127.0.0.1' : config.temporal.address.split(':')[0];
  const base = `http://${host}:${config.temporal.uiPort}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}` : base;
}

export interface ScheduleUpsert extends Pick<ScheduleOptions, 'scheduleId' | 'spec' | 'action' | 'policies'> {
  note: string;
  /** true/false pauses/unpauses, on create and on update; undefined keeps an existing schedule's state. */
  paused?: boolean;
}

/** Create the schedule, or bring an existing one to this spec: running it twice is harmless. */
export async function upsertSchedule(client: Client, s: ScheduleUpsert): Promise<'created' | 'updated'> {
  const { scheduleId, spec, action, policies, note, paused } = s;
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { paused: !!paused, note } });
    return 'created';
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies, state: { ...prev.state, ...(paused !== undefined ? { paused } : {}) } }));
    return 'updated';
  }
}
