import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { loadConfig } from '../../config/env';
import { dailyPipeline } from '../../workflows';
import { dailyWorkflowId } from '../../workflows/ids';
import { CommandFailed, list, optionalInt, parse, requireDate } from '../args';
import type { Command } from '../command';
import { pipelineSummary } from '../format';
import { connectClient, uiLink } from '../temporal';
import { reportLines } from './quality';

const usage = 'financelake run --date YYYY-MM-DD [--wait] [--datasets a,b] [--parallel N]';

export const runCommand: Command = {
  name: 'run',
  summary: 'start the daily pipeline for a date (--wait: until it ends, exit 1 if a task failed)',
  usage,
  async run(argv) {
    const { values } = parse(argv, { date: { type: 'string' }, wait: { type: 'boolean' }, datasets: { type: 'string' }, parallel: { type: 'string' } }, usage);
    const date = requireDate(values.date, 'date', usage);
    const maxParallel = optionalInt(values.parallel, 'parallel', usage, 1, 64);
    const config = loadConfig();
    const { client, close } = await connectClient(config);
    try {
      const workflowId = dailyWorkflowId(date);
      const handle = await client.workflow
        .start(dailyPipeline, { taskQueue: config.temporal.taskQueue, workflowId, args: [{ date, datasets: list(values.datasets), maxParallel }] })
        .catch((e) => {
          if (e instanceof WorkflowExecutionAlreadyStartedError) throw new CommandFailed(`a run for ${date} is already in progress: ${workflowId} (see 'financelake status ${workflowId}')`);
          throw e;
        });
      console.log(`started ${workflowId}\n  ${uiLink(config, workflowId, handle.firstExecutionRunId)}`);
      if (!values.wait) return 0;
      const result = await handle.result();
      console.log(pipelineSummary(result));
      for (const line of reportLines(result.tasks)) console.log(line);
      console.log(`${date}: ${result.status}`);
      return result.status === 'succeeded' ? 0 : 1;
    } finally {
      await close();
    }
  },
};
