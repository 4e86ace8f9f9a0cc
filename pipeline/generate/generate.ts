import type { GenerateOptions, GenerateSummary } from '../types';

/** Deterministic (seeded) sample data for N days into the landing zone. */
export async function generate(_opts: GenerateOptions): Promise<GenerateSummary> {
  throw new Error('generate: not implemented yet');
}
