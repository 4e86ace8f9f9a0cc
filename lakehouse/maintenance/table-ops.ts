/** Checkpoint on demand: delegates to the table (the lakehouse writes checkpoints). */
import type { TableHandle as DeltaTable } from './handle';

export async function checkpoint(table: DeltaTable): Promise<{ table: string; version: number }> {
  return { table: table.name, version: await table.checkpoint() };
}
