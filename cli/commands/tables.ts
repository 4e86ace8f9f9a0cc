import { loadConfig } from '../../config/env';
import { closeSharedContext, sharedContext, useConfig } from '../../activities/context';
import { parse } from '../args';
import type { Command } from '../command';
import { table } from '../format';

const usage = 'financelake tables';

export const tablesCommand: Command = {
  name: 'tables',
  summary: 'list the warehouse tables with their version and row count',
  usage,
  async run(argv) {
    parse(argv, {}, usage);
    const config = loadConfig();
    useConfig(config);
    try {
      const { warehouse } = await sharedContext();
      const names = await warehouse.listTables();
      const rows: unknown[][] = [];
      for (const name of names) {
        const t = await warehouse.table(name);
        if (!t) continue;
        rows.push([name, await t.version(), await t.count()]);
      }
      console.log(`warehouse ${warehouse.url}`);
      console.log(rows.length ? table(['table', 'version', 'rows'], rows) : "no tables yet: run 'financelake start' or 'financelake run --date D'");
      return 0;
    } finally {
      await closeSharedContext();
    }
  },
};
