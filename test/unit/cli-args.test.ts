import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { cronFor } from '../../cli/commands/schedule';
import { referencedTables, rewrite } from '../../cli/commands/query';

const cli = (...argv: string[]) => runCli(argv);

describe('financelake CLI argument errors (exit 2, message naming the problem)', () => {
  it('no command prints help and exits 2; help exits 0', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/usage: financelake <command>/);
    expect((await cli('--help')).code).toBe(0);
  });

  it('unknown command', async () => {
    const r = await cli('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate"/);
  });

  it.each([
    [['run'], /missing --date YYYY-MM-DD/],
    [['run', '--date', '2024-02-30'], /--date: expected a date YYYY-MM-DD, got "2024-02-30"/],
    [['run', '--date', '2024-01-02', '--parallel', 'many'], /--parallel: expected a whole number, got "many"/],
    [['run', '--date', '2024-01-02', '--bogus'], /Unknown option '--bogus'/],
    [['backfill', '--from', '2024-01-05', '--to', '2024-01-01'], /--from 2024-01-05 is after --to 2024-01-01/],
    [['backfill', '--from', '2024-01-01'], /missing --to/],
    [['replay', '--from', '2024-01-01', '--to', '2024-01-02'], /replay needs --failed/],
    [['schedule'], /schedule needs one of: create, pause, unpause, trigger, list, delete/],
    [['schedule', 'create', '--at', '25:00'], /--at: expected HH:MM/],
    [['schedule', 'create', '--at', '02:00', '--cron', '0 2 * * *'], /--at or --cron, not both/],
    [['status'], /status takes one workflow id/],
    [['query'], /query takes one SQL statement/],
    [['generate', '--days', '3'], /missing --start/],
    [['generate', '--start', '2024-01-01', '--defect-rate', '2'], /--defect-rate: expected a number from 0 to 1/],
    [['produce', '--date', 'yesterday'], /--date: expected a date/],
    [['start', '--days', '0'], /--days: expected 1 to 366/],
  ])('%j', async (argv, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
    expect(r.err).toMatch(/usage: financelake/);
  });

  it('a malformed environment variable is a configuration error naming it', async () => {
    const before = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = 'no-port-here';
    try {
      const r = await cli('run', '--date', '2024-01-02');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/TEMPORAL_ADDRESS/);
    } finally {
      if (before === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = before;
    }
  });

  it('an unreachable Temporal is exit 1 with how to start it', async () => {
    const before = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
    try {
      const r = await cli('run', '--date', '2024-01-02');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/cannot reach Temporal at 127.0.0.1:1.*npm run infra -- up/);
    } finally {
      if (before === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = before;
    }
  });
});

describe('schedule and query helpers', () => {
  it('turns --at into a daily cron, default 02:00', () => {
    expect(cronFor(undefined, undefined)).toBe('0 2 * * *');
    expect(cronFor('06:30', undefined)).toBe('30 6 * * *');
    expect(cronFor(undefined, '15 3 * * 1-5')).toBe('15 3 * * 1-5');
  });

  it('finds and rewrites table names outside string literals only', () => {
    const sql = "SELECT * FROM silver.transactions t JOIN silver.customers c USING (customer_id) WHERE note = 'silver.customers'";
    const used = referencedTables(sql, ['silver.transactions', 'silver.customers', 'gold.daily_ohlcv', 'silver.transactions_x']);
    expect(used).toEqual(['silver.transactions', 'silver.customers']);
    expect(rewrite(sql, used)).toBe(`SELECT * FROM "silver__transactions" t JOIN "silver__customers" c USING (customer_id) WHERE note = 'silver.customers'`);
  });
});
