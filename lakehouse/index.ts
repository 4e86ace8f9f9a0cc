/**
 * lakehouse: a Delta Lake storage layer over an ObjectStore, with DuckDB as the engine.
 * No Temporal, Kafka, finance or config imports: everything comes in as options.
 */
export type { ObjectStore, ObjectInfo, ByteRange } from './storage/object-store';
export { NotFoundError, StorageError } from './storage/object-store';

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
export { type DeltaType, type Field, type TableDefinition, schemaToJson, schemaFromJson, duckdbType } from './delta/schema';

// Low-level pieces for maintenance (optimize, vacuum, restore) and backup.
export * from './delta/actions';
export * from './delta/errors';
export { listLog, readLog, readCommit, readLastCheckpoint, type LogListing, type LogEntry, type CheckpointRef, type LastCheckpoint } from './delta/log';
export { Snapshot, loadSnapshot, checkReadable, checkWritable, type LoadOptions } from './delta/snapshot';
export { commit, conflictReason, type CommitOptions, type CommitOutcome, type ReadScope } from './delta/transaction';
export type { CheckpointIO } from './delta/parquet';
