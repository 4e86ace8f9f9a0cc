/**
 * The contract of pipeline/: what a dataset declaration holds, and the task input/output the
 * orchestration (workflows, activities, CLI) exchanges with `runTask`. Pure types, no I/O.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine, Field, ObjectStore, Warehouse } from '../lakehouse';
import type { S3Options } from '../lakehouse/storage';
import type { QualitySuite } from '../quality';

export type Layer = 'bronze' | 'silver' | 'gold';
export type FileFormat = 'csv' | 'jsonl' | 'parquet';

/** Landing files under `<landing>/<pattern>`; every format listed may appear, mixed. */
export interface FilesSource {
  kind: 'files';
  /** folder under the landing zone, e.g. 'transactions/' */
  pattern: string;
  formats: FileFormat[];
}

/**
 * A Kafka topic. `files` is where the same records land as files when no broker is configured
 * (the embedded default runs without Kafka): bronze reads them like any files source.
 */
export interface KafkaSource {
  kind: 'kafka';
  topic: string;
  files?: Omit<FilesSource, 'kind'>;
}

export type DatasetSource = FilesSource | KafkaSource;

/**
 * How a task sees one of the tables it reads, for partition date D:
 * - 'date' (default): rows of D only;
 * - 'asof': the latest partition at or before D (a dimension or reference snapshot);
 * - 'history': rows of the `days` days up to and including D (all history if days is absent).
 */
export interface ReadSpec {
  mode: 'date' | 'asof' | 'history';
  days?: number;
}

/**
 * The SQL of each layer. Placeholders: `{{date}}` (a DATE literal of the partition date),
 * `{{typed}}` (silver: the batch after casting and standardising, one row per bronze row with
 * `_row_id`, `_raw`), and `{{<task id>}}` for each table in `reads` (e.g. `{{silver.customers}}`).
 */
export interface TransformSql {
  /** silver: SELECT producing the schema's columns plus `_row_id` from `{{typed}}` (+ joins); the record as it arrived (`_raw`) is joined back for quarantined rows only */
  silver?: string;
  /** gold: SELECT producing the schema's columns for the partition date */
  gold?: string;
}

export interface DatasetDeclaration {
  /** 'transactions', 'market_ticks', 'customers', 'fx_rates', 'daily_ohlcv', ... */
  name: string;
  /**
   * Where the main table lives. Source datasets (with `source`) have a bronze and a silver task
   * and their table is `silver.<name>` ('reference' marks a lookup table such as fx_rates);
   * gold datasets have one gold task writing `gold.<name>`.
   */
  layer: Layer | 'reference';
  description?: string;
  source?: DatasetSource;
  /**
   * Source datasets: the fields of a record as it arrives, with the type silver casts each to
   * (TRY_CAST: a value that does not cast is a quality failure naming the field).
   */
  sourceFields?: Field[];
  /**
   * Source datasets: the field whose UTC date is a record's business date (its partition), e.g.
   * 'ts'. Absent, or when the value does not parse: the date in the file's path, else the ingest date.
   */
  dateFrom?: string;
  /** Source datasets: SQL applied to a raw VARCHAR field before its cast (`{{value}}` = the raw value), e.g. upper(trim({{value}})). */
  standardize?: Record<string, string>;
  /** The schema of the main table (silver or gold), lakehouse Fields. */
  schema: Field[];
  /** Business keys: silver deduplicates on them (within the batch and against other dates). */
  keys?: string[];
  /** The partition date column every task writes with replaceWhere (default 'date'). */
  dateColumn?: string;
  /** e.g. ['date', 'region']; the first must be the date column. */
  partitionColumns: string[];
  zorderColumns?: string[];
  quality?: QualitySuite;
  /** Task ids this dataset's (silver or gold) task reads: 'bronze.transactions', 'silver.customers', ... */
  reads: string[];
  /** How each read is seen (default mode 'date'). */
  readSpecs?: Record<string, ReadSpec>;
  transformSql?: TransformSql;
  /** Orchestration overrides for this dataset's tasks (pipeline/dag.ts applies defaults). */
  retry?: Partial<{ maximumAttempts: number; initialIntervalMs: number; backoffCoefficient: number; maximumIntervalMs: number }>;
  timeoutMs?: number;
  heartbeatTimeoutMs?: number;
}

/** One node of the DAG: a dataset at one layer. */
export interface TaskSpec {
  /** '<layer>.<dataset>', e.g. 'silver.transactions' */
  id: string;
  dataset: string;
  layer: Layer;
  /** task ids this task needs to have run first for the same date */
  reads: string[];
}

export interface TaskInput {
  /** '<layer>.<dataset>', e.g. 'silver.transactions' */
  taskId: string;
  /** YYYY-MM-DD */
  date: string;
  runId: string;
}

export interface TaskContext {
  warehouse: Warehouse;
  engine: Engine;
  /** local path or URL of the landing zone */
  landing: string;
  /** the landing zone as a store (default: openStore(landing, { s3 })) */
  landingStore?: ObjectStore;
  /** credentials for an s3:// landing zone */
  s3?: S3Options;
  /**
   * Without it, Kafka datasets read their `files` fallback from the landing zone.
   * `topics` maps a declared topic to the one actually used (tests isolate themselves with it).
   */
  kafka?: { brokers: string[]; clientId: string; topics?: Record<string, string>; maxBatchMessages?: number };
  heartbeat: (details?: unknown) => void;
  now?: () => Date;
  /** where silver writes its HTML quality report (default: none written) */
  reportDir?: string;
  /** a connection to reuse (optional; by default each task opens its own) */
  conn?: DuckDBConnection;
}

export interface TaskResult {
  taskId: string;
  dataset: string;
  layer: Layer;
  date: string;
  /** bronze: records read from new files or messages; silver: bronze rows of the date; gold: source rows scanned */
  rowsIn: number;
  /** rows written (bronze appended, silver passed, gold rows of the date) */
  rowsOut: number;
  quarantined: number;
  duplicates: number;
  /** silver: rowsIn = rowsOut + quarantined + duplicates; bronze/gold: true */
  invariantOk: boolean;
  tableVersion?: number;
  /** false when nothing new was committed (a re-run, or nothing to ingest) */
  committed: boolean;
  durationMs: number;
  /** path/URL of the HTML quality report */
  qualityReport?: string;
  details?: Record<string, unknown>;
}

export type DefectKind =
  | 'null_field'
  | 'negative_price'
  | 'bid_above_ask'
  | 'unknown_currency'
  | 'duplicate_id'
  | 'malformed_line'
  | 'wrong_type'
  | 'late_arrival';

export interface GeneratedFile {
  /** path relative to the landing zone, e.g. 'transactions/2024-01-02/part-0.csv' */
  path: string;
  dataset: string;
  /** the business date the file was delivered for */
  date: string;
  format: FileFormat;
  /** records (lines or Parquet rows) in the file, malformed ones included */
  records: number;
}

export interface GenerateSummary {
  seed: number;
  /** the defect share used: pass it (and symbols) to produceTicks to publish the same ticks as the files */
  defectRate: number;
  symbols?: string[];
  landing: string;
  dates: string[];
  files: GeneratedFile[];
  /** per dataset and defect kind */
  defects: Record<string, Partial<Record<DefectKind, number>>>;
  /** per dataset: records written over all files */
  records: Record<string, number>;
}

export interface GenerateOptions {
  landing: string;
  days: number;
  startDate: string;
  seed?: number;
  transactionsPerDay?: number;
  ticksPerDay?: number;
  customers?: number;
  /** share (0..1) of records made defective; default 0.02 */
  defectRate?: number;
  symbols?: string[];
}

export interface ProduceTicksOptions {
  brokers: string[];
  topic?: string;
  date: string;
  count: number;
  seed?: number;
  /** messages per second; absent = bulk */
  ratePerSecond?: number;
  symbols?: string[];
  defectRate?: number;
  clientId?: string;
}
