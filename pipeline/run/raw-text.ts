/**
 * How a bronze row's record text comes back. Bronze stores `_raw` only where the fields cannot
 * give it back (docs/pipeline.md): a plain CSV line is its cells joined by commas; a JSON line
 * equal, byte for byte, to `jsonRecordSql` of its fields; a row of a Parquet file of exactly the
 * fields is the JSON of its fields as text. The rule (which fields, in which order, which bare) is
 * a property of the bronze table, written when the table is created, so a later change of the
 * declaration (a field dropped, a type changed) cannot change the text of rows already stored:
 * rows are stored without their text only while the declaration still matches the table's rule.
 */
import type { DeltaTable } from '../../lakehouse';
import type { DatasetDeclaration } from '../types';
import { ident, literal } from './sql';

export const RAW_TEXT_PROPERTY = 'financelake.rawText';

export interface RawTextSpec {
  /** the source fields, in order */
  fields: string[];
  /** those written bare (numbers) in a JSON record; the others in quotes */
  numeric: string[];
}

const NUMERIC = /^(decimal|double|float|long|integer|short|byte)\b/;

/** The rule the declaration implies now (what a new bronze table records). */
export function rawTextSpecOf(decl: DatasetDeclaration): RawTextSpec {
  const fields = decl.sourceFields ?? [];
  return { fields: fields.map((f) => f.name), numeric: fields.filter((f) => NUMERIC.test(f.type)).map((f) => f.name) };
}

/** The rule a bronze table recorded, if it did (tables made before it have none). */
export async function storedRawTextSpec(table: DeltaTable): Promise<RawTextSpec | undefined> {
  const stored = (await table.definition()).properties?.[RAW_TEXT_PROPERTY];
  if (!stored) return undefined;
  const spec = JSON.parse(stored) as RawTextSpec;
  return Array.isArray(spec.fields) && Array.isArray(spec.numeric) ? spec : undefined;
}

/**
 * The rule staging may drop text by: the table's, when the declaration still has exactly its fields
 * and types; otherwise none (every record keeps its text).
 */
export async function stagingRawTextSpec(table: DeltaTable, decl: DatasetDeclaration): Promise<RawTextSpec | undefined> {
  const stored = await storedRawTextSpec(table);
  return stored && JSON.stringify(stored) === JSON.stringify(rawTextSpecOf(decl)) ? stored : undefined;
}

/** The rule to read text back by: the table's, else the declaration's (rows staged before tables recorded it). */
export async function readingRawTextSpec(table: DeltaTable, decl: DatasetDeclaration): Promise<RawTextSpec> {
  return (await storedRawTextSpec(table)) ?? rawTextSpecOf(decl);
}

/** Whether a file's columns (a CSV header, a Parquet schema) are exactly the rule's fields, in order: then its plain records need no stored text. */
export function hasRuleFields(spec: RawTextSpec | undefined, columns: string[]): spec is RawTextSpec {
  return spec !== undefined && columns.length === spec.fields.length && columns.every((c, k) => c === spec.fields[k]);
}

/** A bronze row's record text, over `alias`'s columns: the stored `_raw`, else rebuilt by `spec`. */
export function rawTextSql(spec: RawTextSpec, alias?: string): string {
  const col = (c: string) => (alias ? `${alias}.${ident(c)}` : ident(c));
  if (spec.fields.length === 0) return col('_raw');
  return `CASE WHEN ${col('_raw')} IS NOT NULL THEN ${col('_raw')}
    WHEN ${col('_format')} = 'csv' THEN concat_ws(',', ${spec.fields.map((f) => `coalesce(${col(f)}, '')`).join(', ')})
    WHEN ${col('_format')} = 'jsonl' THEN ${jsonRecordSql(spec, col)}
    WHEN ${col('_format')} = 'parquet' THEN to_json({${spec.fields.map((f) => `${literal(f)}: ${col(f)}`).join(', ')}})::VARCHAR END`;
}

/**
 * The compact JSON object of the fields in order: numeric fields bare, others in quotes as they
 * are (no escaping). A JSON line equal to this is not stored (stage-files.ts compares the two
 * byte for byte), so the text it gives back is always exact; a line it does not match (escapes,
 * spacing, key order, a number in quotes, a null: NULL gives nothing here) keeps `_raw`. One
 * `concat` call, because it runs on every line: a chain of `||` copies the growing prefix once per
 * piece, and to_json per value cost more than it saved.
 */
export function jsonRecordSql(spec: RawTextSpec, col: (field: string) => string): string {
  const args: string[] = [];
  let text = '{';
  spec.fields.forEach((f, k) => {
    const quote = spec.numeric.includes(f) ? '' : '"';
    text += `${k ? ',' : ''}${JSON.stringify(f)}:${quote}`;
    args.push(literal(text), col(f));
    text = quote;
  });
  args.push(literal(`${text}}`));
  return `concat(${args.join(', ')})`;
}
