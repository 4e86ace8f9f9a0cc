/** Opening-or-creating the quality Delta tables through the lakehouse API. */
import type { DeltaTable, TableDefinition, Warehouse } from '../lakehouse';

export async function ensureTable(warehouse: Warehouse, name: string, def: TableDefinition): Promise<DeltaTable> {
  return (await warehouse.table(name)) ?? (await warehouse.createTable(name, def, { ifNotExists: true }));
}

/** The predicate selecting one dataset's partition of a quality table (lakehouse predicate syntax). */
export function partitionPredicate(dataset: string, date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`partition date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return `dataset = '${dataset.replace(/'/g, "''")}' AND date = DATE '${date}'`;
}
