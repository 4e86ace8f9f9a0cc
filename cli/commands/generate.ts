import { loadConfig } from '../../config/env';
import { generate } from '../../pipeline';
import { list, optionalInt, optionalNumber, parse, requireDate } from '../args';
import type { Command } from '../command';

const usage = 'financelake generate --days N --start YYYY-MM-DD [--seed S] [--transactions-per-day N] [--ticks-per-day N] [--defect-rate 0.02] [--symbols A,B]';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write deterministic sample data (with defects) into the landing zone',
  usage,
  async run(argv) {
    const { values } = parse(
      argv,
      { days: { type: 'string' }, start: { type: 'string' }, seed: { type: 'string' }, 'transactions-per-day': { type: 'string' }, 'ticks-per-day': { type: 'string' }, 'defect-rate': { type: 'string' }, symbols: { type: 'string' } },
      usage,
    );
    const days = optionalInt(values.days, 'days', usage, 1, 3660) ?? 3;
    const startDate = requireDate(values.start, 'start', usage);
    const config = loadConfig();
    const summary = await generate({
      landing: config.landing,
      days,
      startDate,
      seed: optionalInt(values.seed, 'seed', usage, 0),
      transactionsPerDay: optionalInt(values['transactions-per-day'], 'transactions-per-day', usage),
      ticksPerDay: optionalInt(values['ticks-per-day'], 'ticks-per-day', usage),
      defectRate: optionalNumber(values['defect-rate'], 'defect-rate', usage, 0, 1),
      symbols: list(values.symbols),
    });
    console.log(`generated ${summary.files.length} files for ${summary.dates.join(', ')} into ${summary.landing}`);
    for (const [ds, n] of Object.entries(summary.records)) console.log(`  ${ds}: ${n} records`);
    return 0;
  },
};
