/**
 * The one Parquet capability the log code needs: read and write checkpoint files. The engine
 * implements it (with DuckDB); log code never touches Parquet directly, so it stays testable
 * with any implementation, in the spirit of delta-kernel's ParquetHandler.
 */
import type { ObjectStore } from '../storage/object-store';
import type { Action, AddFile, Metadata, Protocol, RemoveFile, Txn } from './actions';

/**
 * A checkpoint's actions by kind (each kind in file order). A checkpoint is reconciled state, so
 * the kinds need no interleaving; by kind, replay runs one tight loop over the (many) adds.
 */
export interface CheckpointActions {
  protocols: Protocol[];
  metadata: Metadata[];
  txns: Txn[];
  adds: AddFile[];
  removes: RemoveFile[];
}

/** How many actions a checkpoint holds (what _last_checkpoint's `size` counts). */
export function checkpointSize(c: CheckpointActions): number {
  return c.protocols.length + c.metadata.length + c.txns.length + c.adds.length + c.removes.length;
}

export interface CheckpointIO {
  /** Every action held by the checkpoint part files (in order). */
  readCheckpoint(store: ObjectStore, keys: string[]): Promise<CheckpointActions>;
  /** Write `actions` as one classic checkpoint file at `key`; returns the file size. */
  writeCheckpoint(store: ObjectStore, key: string, actions: Action[]): Promise<{ sizeInBytes: number }>;
}
