import { loadConfig } from '../../config/env';
import { produceTicks } from '../../pipeline';
import { CommandFailed, optionalInt, parse, requireDate } from '../args';
import type { Command } from '../command';

const usage = 'financelake produce --date YYYY-MM-DD --count N [--rate PER_SECOND] [--topic market.ticks] [--seed S]';

export const produceCommand: Command = {
  name: 'produce',
  summary: 'publish generated market ticks to Kafka (bulk or at a rate)',
  usage,
  async run(argv) {
    const { values } = parse(argv, { date: { type: 'string' }, count: { type: 'string' }, rate: { type: 'string' }, topic: { type: 'string' }, seed: { type: 'string' } }, usage);
    const date = requireDate(values.date, 'date', usage);
    const count = optionalInt(values.count, 'count', usage, 1, 100_000_000) ?? 1000;
    const config = loadConfig();
    const topic = values.topic ?? config.kafka.topics['market.ticks'];
    try {
      const r = await produceTicks({ brokers: config.kafka.brokers, date, count, ratePerSecond: optionalInt(values.rate, 'rate', usage), seed: optionalInt(values.seed, 'seed', usage, 0), clientId: config.kafka.clientId, ...(topic ? { topic } : {}) });
      console.log(`produced ${r.produced} ticks for ${date}${topic ? ` to ${topic}` : ''}`);
      return 0;
    } catch (e) {
      throw new CommandFailed(`producing to Kafka at ${config.kafka.brokers.join(',')} failed: ${(e as Error).message} (is it up? 'npm run infra -- up')`);
    }
  },
};
