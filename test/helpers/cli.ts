/** The CLI run in this process for tests: exit code and what it printed. */
import { vi } from 'vitest';
import { main } from '../../cli/main';

/** `console`: also capture console.log, where commands print their results. */
export async function runCli(argv: string[], opts: { console?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = opts.console ? vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += a.join(' ') + '\n')) : undefined;
  try {
    const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') });
    return { code, out, err };
  } finally {
    log?.mockRestore();
  }
}
