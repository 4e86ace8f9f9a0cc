import type { ProduceTicksOptions } from '../types';

/** Publishes the generator's ticks for a date to Kafka (key = symbol, JSON value), in bulk or at a rate. */
export async function produceTicks(_opts: ProduceTicksOptions): Promise<{ produced: number }> {
  throw new Error('produceTicks: not implemented yet');
}
