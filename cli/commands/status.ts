import { WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig } from '../../config/env';
import { validateDeclarations } from '../../activities/validate';
import { progressQuery, type PipelineResult, type Progress } from '../../workflows/progress';
import { CommandFailed, UsageError, parse } from '../args';
import type { Command } from '../command';
import { table } from '../format';
import { connectClient, uiLink } from '../temporal';

const usage = 'financelake status <workflowId>   e.g. financelake status financelake/daily/2024-01-02';

export const statusCommand: Command = {
  name: 'status',
  summary: "a run's DAG with each task's state (the progress query)",
  usage,
  async run(argv) {
    const { positionals } = parse(argv, {}, usage, true);
    if (positionals.length !== 1) throw new UsageError('status takes one workflow id', usage);
    const workflowId = positionals[0]!;
    const config = loadConfig();
    const { client, close } = await connectClient(config);
    try {
      const handle = client.workflow.getHandle(workflowId);
      const desc = await handle.describe().catch((e) => {
        if (e instanceof WorkflowNotFoundError) throw new CommandFailed(`no workflow with id ${workflowId}`);
        throw e;
      });
      console.log(`${workflowId}  ${desc.type}  ${desc.status.name}  started ${desc.startTime.toISOString()}\n  ${uiLink(config, workflowId, desc.runId)}`);
      let progress: Progress | undefined;
      try {
        progress = await handle.query(progressQuery);
      } catch (e) {
        // A closed run answers queries only while a worker can replay it; its result says the same.
        if (desc.status.name !== 'COMPLETED') throw new CommandFailed(`progress query failed (is a worker running?): ${(e as Error).message}`);
        const r = (await handle.result()) as PipelineResult;
        const deps = new Map(validateDeclarations().tasks.map((t) => [t.id, t.deps]));
        progress = { workflowId, date: r.date, status: r.status, tasks: r.tasks.map((t) => ({ taskId: t.taskId, dataset: t.dataset, layer: t.layer, deps: deps.get(t.taskId) ?? [], state: t.state, error: t.error })) };
      }
      console.log(`date ${progress.date}: ${progress.status}`);
      console.log(table(['task', 'state', 'after', 'error'], progress.tasks.map((t) => [t.taskId, t.state, t.deps.join(', '), t.error ?? ''])));
      return progress.status === 'failed' ? 1 : 0;
    } finally {
      await close();
    }
  },
};
