/** The maintenance and backup commands refuse wrong usage with exit code 2 and a message saying what to type. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const run = (argv: string[]) => runCli(argv);

describe('financelake table | backup | dr-drill usage', () => {
  it('names the sub-commands when one is missing or unknown', async () => {
    expect(await run(['table'])).toMatchObject({ code: 2, err: expect.stringMatching(/analyze, optimize, zorder, vacuum/) });
    expect(await run(['table', 'shrink', 'x.y'])).toMatchObject({ code: 2, err: expect.stringMatching(/got "shrink"/) });
    expect(await run(['backup', 'copy'])).toMatchObject({ code: 2, err: expect.stringMatching(/run, verify, list, restore/) });
  });

  it('refuses the DR drill without confirming the warehouse it destroys', async () => {
    const r = await run(['dr-drill']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/destroys the warehouse .* pass --confirm/);
  });

  it('checks option values before touching any table', async () => {
    expect(await run(['table', 'optimize', 'silver.x', '--target-mb', 'big'])).toMatchObject({ code: 2, err: expect.stringMatching(/--target-mb/) });
    expect(await run(['table', 'schedule', '--at', '25:00'])).toMatchObject({ code: 2, err: expect.stringMatching(/--at: expected HH:MM/) });
    expect(await run(['table', 'restore'])).toMatchObject({ code: 2 });
  });

  it('lists what it can do', async () => {
    const r = await run(['--help']);
    expect(r.out).toMatch(/table\s+table maintenance/);
    expect(r.out).toMatch(/backup\s+warehouse backups/);
    expect(r.out).toMatch(/dr-drill\s+disaster-recovery drill/);
  });
});
