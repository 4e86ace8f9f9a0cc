/**
 * The `financelake` command: one small module per sub-command under cli/commands/.
 * Exit codes: 0 done, 1 the work failed (a pipeline task, a service), 2 wrong usage.
 */
import { ConfigError } from '../config/env';
import { CommandFailed, UsageError } from './args';
import type { Command } from './command';
import { backfillCommand } from './commands/backfill';
import { dagCommand } from './commands/dag';
import { generateCommand } from './commands/generate';
import { produceCommand } from './commands/produce';
import { queryCommand } from './commands/query';
import { replayCommand } from './commands/replay';
import { runCommand } from './commands/run';
import { scheduleCommand } from './commands/schedule';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import { tablesCommand } from './commands/tables';
import { workerCommand } from './commands/worker';
import { tableCommand } from './commands/table';
import { backupCommand } from './commands/backup';
import { drDrillCommand } from './commands/dr-drill';
import { qualityCommand } from './commands/quality';
import { quarantineCommand } from './commands/quarantine';

export const COMMANDS: Command[] = [
  startCommand,
  runCommand,
  backfillCommand,
  replayCommand,
  scheduleCommand,
  statusCommand,
  dagCommand,
  tablesCommand,
  queryCommand,
  generateCommand,
  produceCommand,
  workerCommand,
  tableCommand,
  backupCommand,
  drDrillCommand,
  qualityCommand,
  quarantineCommand,
];

export function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['usage: financelake <command> [options]   (financelake <command> --help for its options)', '', ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`)].join('\n');
}

export async function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = { out: console.log, err: console.error }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`financelake: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${cmd.usage}\n\n${cmd.summary}`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`financelake ${name}: ${e.message}${e.usage ? `\nusage: ${e.usage}` : ''}`);
      return 2;
    }
    if (e instanceof ConfigError) {
      io.err(`financelake ${name}: configuration: ${e.message}`);
      return 2;
    }
    if (e instanceof CommandFailed) {
      io.err(`financelake ${name}: ${e.message}`);
      return e.exitCode;
    }
    io.err(`financelake ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
