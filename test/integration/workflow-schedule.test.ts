/** The daily Schedule on a real dev server: idempotent create/update, trigger runs yesterday, pause. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig } from '../../config/env';
import { upsertDailySchedule } from '../../cli/commands/schedule';
import { dayBefore } from '../../workflows/dates';
import type { PipelineResult } from '../../workflows';
import { FAKE_DECLARATIONS } from '../unit/dag-fixtures';
import { FakeActivities, startTestServer, startWorker, testDag } from './workflow-env';

let env: TestWorkflowEnvironment;
let stop: () => Promise<void>;
const taskQueue = `wf-schedule-${process.pid}`;
const config = { ...loadConfig(), temporal: { ...loadConfig().temporal, taskQueue } };

beforeAll(async () => {
  env = await startTestServer();
  const { w, done } = await startWorker(env, taskQueue, new FakeActivities(testDag(FAKE_DECLARATIONS)));
  stop = async () => {
    w.worker.shutdown();
    await done;
  };
}, 180_000);

afterAll(async () => {
  await stop?.();
  await env?.teardown();
});

describe('daily schedule', () => {
  it('creates, then updates in place; trigger runs dailyPipeline for the previous day; pause and unpause', async () => {
    const id = 'financelake-daily-test';
    expect(await upsertDailySchedule(env.client, config, id, { cron: '0 2 * * *', timezone: 'UTC', catchupHours: 24, datasets: ['fx_rates'] })).toBe('created');
    expect(await upsertDailySchedule(env.client, config, id, { cron: '30 3 * * *', timezone: 'UTC', catchupHours: 6, datasets: ['fx_rates'] })).toBe('updated');
    const handle = env.client.schedule.getHandle(id);
    let d = await handle.describe();
    expect(d.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 3, end: 3, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });
    expect(d.policies.catchupWindow).toBe(6 * 3600 * 1000);
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.BUFFER_ALL); // missed days run one after another, none dropped
    const schedules: string[] = [];
    for await (const s of env.client.schedule.list()) schedules.push(s.scheduleId);
    expect(schedules.filter((s) => s === id)).toHaveLength(1);

    await handle.trigger();
    let workflowId: string | undefined;
    for (let i = 0; i < 100 && !workflowId; i++) {
      d = await handle.describe();
      workflowId = d.info.recentActions[0]?.action.workflow.workflowId;
      if (!workflowId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(workflowId).toMatch(/^financelake\/scheduled\/financelake-daily-test/);
    const wf = env.client.workflow.getHandle(workflowId!);
    const result = (await wf.result()) as PipelineResult;
    expect(result.status).toBe('succeeded');
    expect(result.date).toBe(dayBefore((await wf.describe()).startTime));
    expect(result.tasks.map((t) => t.taskId)).toEqual(['bronze.fx_rates', 'silver.fx_rates']);

    // --paused on an update pauses; an update without it keeps the state
    expect(await upsertDailySchedule(env.client, config, id, { cron: '30 3 * * *', timezone: 'UTC', catchupHours: 6, datasets: ['fx_rates'], paused: true })).toBe('updated');
    expect((await handle.describe()).state.paused).toBe(true);
    await upsertDailySchedule(env.client, config, id, { cron: '30 3 * * *', timezone: 'UTC', catchupHours: 6, datasets: ['fx_rates'] });
    expect((await handle.describe()).state.paused).toBe(true);
    await handle.unpause();

    await handle.pause('test');
    expect((await handle.describe()).state.paused).toBe(true);
    await handle.unpause();
    expect((await handle.describe()).state.paused).toBe(false);
    await handle.delete();
  });
});
