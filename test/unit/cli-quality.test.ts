/** `quality` and `quarantine` refuse wrong usage with exit code 2 before opening any table. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { openInBrowser, reportLines } from '../../cli/commands/quality';

const run = (argv: string[]) => runCli(argv);

describe('financelake quality | quarantine usage', () => {
  it('names the sub-commands when one is missing or unknown', async () => {
    expect(await run(['quality'])).toMatchObject({ code: 2, err: expect.stringMatching(/name the sub-command: report/) });
    expect(await run(['quality', 'chart'])).toMatchObject({ code: 2, err: expect.stringMatching(/got "chart"/) });
    expect(await run(['quarantine'])).toMatchObject({ code: 2, err: expect.stringMatching(/list, replay/) });
    expect(await run(['quarantine', 'purge', '--dataset', 'transactions', '--date', '2024-01-01'])).toMatchObject({ code: 2, err: expect.stringMatching(/got "purge"/) });
  });

  it('checks dates, datasets and numbers, naming the flag', async () => {
    expect(await run(['quality', 'report'])).toMatchObject({ code: 2, err: expect.stringMatching(/missing --date/) });
    expect(await run(['quality', 'report', '--date', '2024-02-30'])).toMatchObject({ code: 2, err: expect.stringMatching(/--date: expected a date/) });
    expect(await run(['quality', 'report', '--date', '2024-01-01', '--dataset', 'nope'])).toMatchObject({ code: 2, err: expect.stringMatching(/--dataset: .*nope/) });
    expect(await run(['quality', 'report', '--date', '2024-01-01', '--bogus'])).toMatchObject({ code: 2, err: expect.stringMatching(/--bogus/) });
    expect(await run(['quarantine', 'replay', '--date', '2024-01-01'])).toMatchObject({ code: 2, err: expect.stringMatching(/missing --dataset/) });
    expect(await run(['quarantine', 'replay', '--dataset', 'transactions'])).toMatchObject({ code: 2, err: expect.stringMatching(/missing --date/) });
    expect(await run(['quarantine', 'replay', '--dataset', 'transactionz', '--date', '2024-01-01'])).toMatchObject({ code: 2, err: expect.stringMatching(/transactionz/) });
    expect(await run(['quarantine', 'replay', '--dataset', 'transactions', '--date', '2024-01-01', '--limit', '5'])).toMatchObject({ code: 2, err: expect.stringMatching(/--limit is for quarantine list/) });
    expect(await run(['quarantine', 'list', '--dataset', 'transactions', '--date', '2024-01-01', '--limit', 'all'])).toMatchObject({ code: 2, err: expect.stringMatching(/--limit: expected a whole number/) });
    expect(await run(['quarantine', 'list', '--dataset', 'transactions', '--date', '2024-01-01', '--run', 'x'])).toMatchObject({ code: 2, err: expect.stringMatching(/--run/) });
  });

  it('lists the commands and prints their usage', async () => {
    const help = await run(['--help']);
    expect(help.out).toMatch(/quality\s+the HTML quality report/);
    expect(help.out).toMatch(/quarantine\s+list the quarantined rows/);
    expect((await run(['quarantine', '--help'])).out).toMatch(/quarantine replay --dataset NAME --date YYYY-MM-DD/);
  });

  it('links the report of each silver task that wrote one', () => {
    expect(
      reportLines([
        { taskId: 'bronze.transactions' },
        { taskId: 'silver.transactions', qualityReport: '/r/quality-2024-01-01-a.html' },
        { taskId: 'silver.customers', qualityReport: '/r/quality-2024-01-01-b.html' },
      ]),
    ).toEqual(['quality report silver.transactions: /r/quality-2024-01-01-a.html', 'quality report silver.customers: /r/quality-2024-01-01-b.html']);
  });

  it('does not fail --open where there is no display or no opener', async () => {
    await expect(openInBrowser('/tmp/x.html', { PATH: '' })).resolves.toBe(false);
    await expect(openInBrowser('/tmp/x.html', { DISPLAY: ':99', PATH: '/nonexistent' })).resolves.toBe(false);
  });
});
