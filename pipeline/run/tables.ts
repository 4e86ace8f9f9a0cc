/**
 * The Delta tables of each task, created on first use: bronze keeps every source field as raw
 * text plus lineage columns; silver and gold use the declaration's schema.
 */
import type { DeltaTable, Field, TableDefinition, Warehouse } from '../../lakehouse';
import { SchemaMismatch } from '../errors';
import { dataset, parseTaskId } from '../registry';
import type { DatasetDeclaration } from '../types';
import { RAW_TEXT_PROPERTY, rawTextSpecOf } from './raw-text';

/** Lineage and parse columns every bronze table carries after the raw source fields. */
export const BRONZE_META: Field[] = [
  { name: '_raw', type: 'string' },
  { name: '_parse_error', type: 'string' },
  { name: '_source', type: 'string' },
  { name: '_line', type: 'long' },
  { name: '_format', type: 'string' },
  { name: '_batch_id', type: 'string' },
  { name: '_ingested_at', type: 'timestamp' },
  /** the business date the row belongs to (UTC date of `dateFrom`, else the file's date, else the ingest date) */
  { name: '_date', type: 'date' },
  { name: '_ingest_date', type: 'date' },
];

export function bronzeDefinition(decl: DatasetDeclaration): TableDefinition {
  return {
    fields: [...(decl.sourceFields ?? []).map((f) => ({ name: f.name, type: 'string' as const })), ...BRONZE_META],
    // by ingest date (what arrived when), then business date: silver reads a day's rows, late ones
    // delivered in later files included, by partition; by ingest date alone it read every file of
    // the next day too (its late rows spread through every row group, so stats cannot skip them)
    partitionColumns: ['_ingest_date', '_date'],
    description: `bronze.${decl.name}: raw records as delivered (append-only)`,
    // bronze is the record of what arrived: the table itself refuses overwrites and deletes;
    // and how a row's text is rebuilt where it is not stored is fixed with the table (raw-text.ts)
    properties: { 'delta.appendOnly': 'true', [RAW_TEXT_PROPERTY]: JSON.stringify(rawTextSpecOf(decl)) },
  };
}

export function mainDefinition(decl: DatasetDeclaration): TableDefinition {
  return { fields: decl.schema, partitionColumns: decl.partitionColumns, description: decl.description };
}

export function definitionOf(taskId: string): TableDefinition {
  const { layer, dataset: name } = parseTaskId(taskId);
  const decl = dataset(name);
  return layer === 'bronze' ? bronzeDefinition(decl) : mainDefinition(decl);
}

/** Opens (creating if absent) the table a task id names, and checks its stored columns match. */
export async function ensureTable(warehouse: Warehouse, taskId: string): Promise<DeltaTable> {
  const def = definitionOf(taskId);
  const table = (await warehouse.table(taskId)) ?? (await warehouse.createTable(taskId, def, { ifNotExists: true }));
  const stored = await table.definition();
  const have = new Map(stored.fields.map((f) => [f.name, f.type]));
  const missing = def.fields.filter((f) => !have.has(f.name)).map((f) => f.name);
  const retyped = def.fields.filter((f) => have.has(f.name) && have.get(f.name) !== f.type).map((f) => `${f.name} (${have.get(f.name)} stored, ${f.type} declared)`);
  if (missing.length || retyped.length) {
    throw new SchemaMismatch(taskId, [missing.length ? `missing columns ${missing.join(', ')}` : '', retyped.length ? `types differ: ${retyped.join(', ')}` : ''].filter(Boolean).join('; '));
  }
  return table;
}
