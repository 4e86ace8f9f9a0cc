/**
 * lakehouse: a Delta Lake storage layer over an ObjectStore, with DuckDB as the engine.
 * No Temporal, Kafka, finance or config imports: everything comes in as options.
 */
export {
  openStore,
  NotFoundError,
  StorageError,
  type ObjectStore,
  type ObjectInfo,
  type ByteRange,
  type S3Options,
  type HdfsOptions,
  type OpenStoreOptions,
} from './storage';

export { Engine, type EngineOptions, type EngineS3Options, type DuckDBConnection } from './engine/duckdb';
export { Warehouse, type WarehouseOpenOptions } from './warehouse';
export {
  DeltaTable,
  type Predicate,
  type CommitResult,
  type CommitMetrics,
  type WriteOptions,
  type HistoryEntry,
  type ScanMetrics,
} from './table';
export { type DeltaType, type Field, type TableDefinition, SchemaError, schemaToJson, schemaFromJson, duckdbType, isDeltaType } from './delta/schema';
export { FilePredicate, parsePredicate, toSql, PredicateError, type Expr } from './delta/predicate';

// Low-level pieces for maintenance (optimize, vacuum, restore) and backup.
export * from './delta/actions';
export * from './delta/errors';
export { listLog, readLog, readCommit, readLastCheckpoint, type LogListing, type LogEntry, type CheckpointRef, type LastCheckpoint } from './delta/log';
export { Snapshot, loadSnapshot, updateSnapshot, versionAt, checkReadable, checkWritable, type LoadOptions } from './delta/snapshot';
export { writeCheckpoint, checkpointActions, checkpointInterval } from './delta/checkpoint';
export { commit, conflictReason, type CommitOptions, type CommitOutcome, type ReadScope } from './delta/transaction';
export type { CheckpointIO } from './delta/parquet';
export { DuckDBCheckpointIO } from './engine/checkpoint-io';
export { writeFiles, ZSTD_LEVEL, type WriteFilesOptions, type WrittenFiles } from './engine/write';
export { scanSql, filePath } from './engine/scan';
export { FileCache } from './engine/cache';
export { mapLimit } from './backup/pool';
