/**
 * Table schemas: the Field list callers use, the Delta schema JSON in metaData.schemaString,
 * and the DuckDB type each Delta primitive maps to.
 */

export type DeltaType =
  | 'string'
  | 'long'
  | 'integer'
  | 'short'
  | 'byte'
  | 'double'
  | 'float'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'timestamp_ntz'
  | 'binary'
  | `decimal(${number},${number})`;

export interface Field {
  name: string;
  type: DeltaType;
  /** Default true. */
  nullable?: boolean;
  /** Column metadata carried in the schema JSON (e.g. a comment). */
  metadata?: Record<string, unknown>;
}

export interface TableDefinition {
  fields: Field[];
  partitionColumns?: string[];
  description?: string;
  properties?: Record<string, string>;
}

export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

interface StructFieldJson {
  name: string;
  type: unknown;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

const PRIMITIVES = new Set(['string', 'long', 'integer', 'short', 'byte', 'double', 'float', 'boolean', 'date', 'timestamp', 'timestamp_ntz', 'binary']);
const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

export function isDeltaType(t: unknown): t is DeltaType {
  return typeof t === 'string' && (PRIMITIVES.has(t) || DECIMAL.test(t));
}

export function normalizeType(t: string): DeltaType {
  const m = DECIMAL.exec(t);
  if (m) return `decimal(${Number(m[1])},${Number(m[2])})`;
  if (!PRIMITIVES.has(t)) throw new SchemaError(`unsupported Delta type ${JSON.stringify(t)}`);
  return t as DeltaType;
}

export function schemaToJson(fields: Field[]): string {
  const struct = {
    type: 'struct',
    fields: fields.map((f) => ({ name: f.name, type: normalizeType(f.type), nullable: f.nullable ?? true, metadata: f.metadata ?? {} })),
  };
  return JSON.stringify(struct);
}

/**
 * Parse metaData.schemaString. Nested types (struct/array/map) are outside what we read or
 * write; they are refused by name rather than read wrongly.
 */
export function schemaFromJson(schemaString: string, table = '?'): Field[] {
  let parsed: { type?: string; fields?: StructFieldJson[] };
  try {
    parsed = JSON.parse(schemaString) as typeof parsed;
  } catch (err) {
    throw new SchemaError(`table ${table}: schemaString is not JSON: ${(err as Error).message}`);
  }
  if (parsed.type !== 'struct' || !Array.isArray(parsed.fields)) throw new SchemaError(`table ${table}: schemaString is not a struct`);
  return parsed.fields.map((f) => {
    if (typeof f.type !== 'string' || !isDeltaType(f.type)) {
      throw new SchemaError(`table ${table}: column ${f.name} has unsupported type ${JSON.stringify(f.type)}`);
    }
    const field: Field = { name: f.name, type: normalizeType(f.type), nullable: f.nullable !== false };
    if (f.metadata && Object.keys(f.metadata).length > 0) field.metadata = f.metadata;
    return field;
  });
}

/** The DuckDB SQL type a Delta primitive is read and written as. */
export function duckdbType(t: DeltaType): string {
  const m = DECIMAL.exec(t);
  if (m) return `DECIMAL(${m[1]},${m[2]})`;
  switch (t) {
    case 'string':
      return 'VARCHAR';
    case 'long':
      return 'BIGINT';
    case 'integer':
      return 'INTEGER';
    case 'short':
      return 'SMALLINT';
    case 'byte':
      return 'TINYINT';
    case 'double':
      return 'DOUBLE';
    case 'float':
      return 'FLOAT';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    // Delta 'timestamp' is an instant (UTC-adjusted); Parquet readers expect isAdjustedToUTC=true.
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'timestamp_ntz':
      return 'TIMESTAMP';
    case 'binary':
      return 'BLOB';
  }
  throw new SchemaError(`unsupported Delta type ${t}`);
}

/** Map a DuckDB column type (as DESCRIBE prints it) to the Delta type, or undefined if none fits. */
export function deltaTypeOfDuckdb(duck: string): DeltaType | undefined {
  const t = duck.toUpperCase().trim();
  const m = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (m) return `decimal(${Number(m[1])},${Number(m[2])})`;
  switch (t) {
    case 'VARCHAR':
      return 'string';
    case 'BIGINT':
      return 'long';
    case 'INTEGER':
      return 'integer';
    case 'SMALLINT':
      return 'short';
    case 'TINYINT':
      return 'byte';
    case 'DOUBLE':
      return 'double';
    case 'FLOAT':
      return 'float';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP WITH TIME ZONE':
    case 'TIMESTAMPTZ':
      return 'timestamp';
    case 'TIMESTAMP':
      return 'timestamp_ntz';
    case 'BLOB':
      return 'binary';
  }
  return undefined;
}

/** Quote an identifier for DuckDB SQL. */
export function ident(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Quote a string literal for DuckDB SQL. */
export function literal(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
