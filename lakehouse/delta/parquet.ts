/**
 * The one Parquet capability the log code needs: read and write checkpoint files. The engine
 * implements it (with DuckDB); log code never touches Parquet directly, so it stays testable
 * with any implementation, in the spirit of delta-kernel's ParquetHandler.
 */
import type { ObjectStore } from '../storage/object-store';
import type { Action } from './actions';

export interface CheckpointIO {
  /** Every action held by the checkpoint part files (in order), as parsed JSON actions. */
  readCheckpoint(store: ObjectStore, keys: string[]): Promise<Action[]>;
  /** Write `actions` as one classic checkpoint file at `key`; returns the file size. */
  writeCheckpoint(store: ObjectStore, key: string, actions: Action[]): Promise<{ sizeInBytes: number }>;
}
