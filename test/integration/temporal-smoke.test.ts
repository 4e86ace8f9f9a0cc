/**
 * The stack's Temporal dev server end to end: a workflow with one activity runs through a real
 * Worker, shows up in the server's visibility list with its search attributes, and the Web UI answers.
 */
import path from 'node:path';
import { Client, Connection, type WorkflowExecutionDescription } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET, LAYER, PARTITION_DATE, STATUS } from '../../workflows/search-attributes';
import * as activities from './fixtures/smoke-activities';
import { smokeWorkflow } from './fixtures/smoke-workflow';
import { stackConfig, temporalTarget, uniqueName } from '../helpers/stack';

describe('Temporal dev server of the local stack', () => {
  const { address, namespace } = temporalTarget();
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('runs a workflow with one activity on a real worker and lists it by its search attributes', async () => {
    const taskQueue = uniqueName('smoke');
    const workflowId = uniqueName('smoke-wf');
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address }),
      namespace,
      taskQueue,
      workflowsPath: path.join(__dirname, 'fixtures', 'smoke-workflow.ts'),
      activities,
    });
    const result = await worker.runUntil(
      client.workflow.execute(smokeWorkflow, {
        taskQueue,
        workflowId,
        args: ['smoke'],
        typedSearchAttributes: [
          { key: DATASET, value: 'smoke' },
          { key: PARTITION_DATE, value: '2024-01-02' },
          { key: LAYER, value: 'bronze' },
          { key: STATUS, value: 'running' },
        ],
      }),
    );
    expect(result).toMatch(/^dataset smoke seen by a real worker/);

    // Visibility is eventually consistent: poll the list until the run is there, completed.
    const deadline = Date.now() + 30_000;
    let found: WorkflowExecutionDescription | undefined;
    while (!found && Date.now() < deadline) {
      for await (const wf of client.workflow.list({ query: "FinanceLakeDataset = 'smoke'" })) {
        if (wf.workflowId === workflowId && wf.status.name === 'COMPLETED') {
          found = await client.workflow.getHandle(workflowId).describe();
          expect(wf.typedSearchAttributes.get(DATASET)).toBe('smoke');
          break;
        }
      }
      if (!found) await new Promise((r) => setTimeout(r, 250));
    }
    expect(found, `workflow ${workflowId} not listed by FinanceLakeDataset = 'smoke' within 30s`).toBeDefined();
    const sa = found!.typedSearchAttributes;
    expect(sa.get(DATASET)).toBe('smoke');
    expect(sa.get(PARTITION_DATE)).toBe('2024-01-02');
    expect(sa.get(LAYER)).toBe('bronze');
    expect(sa.get(STATUS)).toBe('succeeded'); // upserted by the workflow after its activity
    expect(found!.taskQueue).toBe(taskQueue);
  });

  it('serves the Web UI on the configured port', async () => {
    const res = await fetch(`http://127.0.0.1:${stackConfig().ports.temporalUi}/`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<html/i);
  });
});
