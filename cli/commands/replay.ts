import { loadConfig } from '../../config/env';
import { replayFailed } from '../../workflows';
import { UsageError, optionalInt, parse, requireDateRange } from '../args';
import type { Command } from '../command';
import { connectClient, uiLink } from '../temporal';

const usage = 'financelake replay --failed --from YYYY-MM-DD --to YYYY-MM-DD [--concurrency N] [--no-wait]';

export const replayCommand: Command = {
  name: 'replay',
  summary: 'run again the failed and skipped tasks of a date range (from the run ledger), and their downstream',
  usage,
  async run(argv) {
    const { values } = parse(argv, { failed: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, concurrency: { type: 'string' }, 'no-wait': { type: 'boolean' } }, usage);
    if (!values.failed) throw new UsageError('replay needs --failed (the only replay mode: failed and skipped tasks)', usage);
    const { from, to } = requireDateRange(values, usage);
    const concurrency = optionalInt(values.concurrency, 'concurrency', usage, 1, 64);
    const config = loadConfig();
    const { client, close } = await connectClient(config);
    try {
      const workflowId = `financelake/replay/${from}_${to}`;
      const handle = await client.workflow.start(replayFailed, { taskQueue: config.temporal.taskQueue, workflowId, args: [{ from, to, concurrency }] });
      console.log(`started ${workflowId}\n  ${uiLink(config, workflowId)}`);
      if (values['no-wait']) return 0;
      const r = await handle.result();
      if (!r.replayed.length) console.log(`nothing to replay: no failed or skipped task recorded between ${from} and ${to}`);
      for (const d of r.replayed) console.log(`${d.date}  ${d.status.padEnd(9)}  ${d.tasks.join(', ')}${d.error ? `  (${d.error})` : ''}`);
      return r.replayed.every((d) => d.status === 'succeeded') ? 0 : 1;
    } finally {
      await close();
    }
  },
};
