import { loadConfig } from '../../config/env';
import { backfill } from '../../workflows';
import { dateRange } from '../../workflows/dates';
import { list, optionalInt, parse, requireDateRange } from '../args';
import type { Command } from '../command';
import { connectClient, uiLink } from '../temporal';

const usage = 'financelake backfill --from YYYY-MM-DD --to YYYY-MM-DD [--concurrency N] [--datasets a,b] [--wait]';

export const backfillCommand: Command = {
  name: 'backfill',
  summary: 'run the daily pipeline for every date of a range, N days at once',
  usage,
  async run(argv) {
    const { values } = parse(argv, { from: { type: 'string' }, to: { type: 'string' }, concurrency: { type: 'string' }, datasets: { type: 'string' }, wait: { type: 'boolean' } }, usage);
    const { from, to } = requireDateRange(values, usage);
    const concurrency = optionalInt(values.concurrency, 'concurrency', usage, 1, 64);
    const config = loadConfig();
    const { client, close } = await connectClient(config);
    try {
      const workflowId = `financelake/backfill/${from}_${to}`;
      const handle = await client.workflow.start(backfill, { taskQueue: config.temporal.taskQueue, workflowId, args: [{ from, to, concurrency, datasets: list(values.datasets) }] });
      console.log(`started ${workflowId} (${dateRange(from, to).length} days)\n  ${uiLink(config, workflowId)}`);
      if (!values.wait) return 0;
      const r = await handle.result();
      console.log(`succeeded: ${r.succeeded.length} days; failed: ${r.failed.length}`);
      if (r.inDateOrderFor?.length) console.log(`days ran in date order: ${r.inDateOrderFor.join(', ')} read what earlier dates wrote`);
      if (r.aheadTasks?.length) console.log(`one day ahead, beside the day before: ${r.aheadTasks.join(', ')}`);
      for (const f of r.failed) console.log(`  ${f.date}: ${f.error ?? 'failed'}`);
      return r.failed.length ? 1 : 0;
    } finally {
      await close();
    }
  },
};
