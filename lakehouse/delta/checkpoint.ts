/**
 * Writing checkpoints: the snapshot's live actions (protocol, metaData, txns, active adds,
 * unexpired removes) as `%020d.checkpoint.parquet`, then `_last_checkpoint`.
 */
import type { ObjectStore } from '../storage/object-store';
import { checkpointKey, LAST_CHECKPOINT_KEY, type Action } from './actions';
import { readLastCheckpoint } from './log';
import type { CheckpointIO } from './parquet';
import type { Snapshot } from './snapshot';

export const DEFAULT_CHECKPOINT_INTERVAL = 10;
const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** delta.checkpointInterval, or the default of 10 commits. */
export function checkpointInterval(snapshot: Snapshot): number {
  const v = Number(snapshot.properties['delta.checkpointInterval']);
  return Number.isInteger(v) && v > 0 ? v : DEFAULT_CHECKPOINT_INTERVAL;
}

/** Parse a Delta interval like 'interval 7 days' (delta.deletedFileRetentionDuration). */
export function parseInterval(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /^\s*interval\s+(\d+)\s+(millisecond|second|minute|hour|day|week)s?\s*$/i.exec(v);
  if (!m) return undefined;
  const unit: Record<string, number> = { millisecond: 1, second: 1e3, minute: 6e4, hour: 3.6e6, day: 8.64e7, week: 6.048e8 };
  return Number(m[1]) * unit[m[2].toLowerCase()];
}

export function checkpointActions(snapshot: Snapshot, now = Date.now()): Action[] {
  const retention = parseInterval(snapshot.properties['delta.deletedFileRetentionDuration']) ?? DEFAULT_TOMBSTONE_RETENTION_MS;
  const actions: Action[] = [{ protocol: snapshot.protocol }, { metaData: snapshot.metadata }];
  for (const [appId, version] of snapshot.txns) actions.push({ txn: { appId, version } });
  for (const add of snapshot.fileMap.values()) {
    // Checkpoint adds are state, not change: dataChange false, as Spark writes them.
    const { path, partitionValues, size, modificationTime, stats, tags } = add;
    actions.push({ add: { path, partitionValues, size, modificationTime, dataChange: false, stats: stats ?? null, tags: tags ?? null } });
  }
  for (const rm of snapshot.tombstones.values()) {
    if ((rm.deletionTimestamp ?? 0) < now - retention) continue;
    const { path, deletionTimestamp, extendedFileMetadata, partitionValues, size } = rm;
    actions.push({ remove: { path, deletionTimestamp: deletionTimestamp ?? null, dataChange: false, extendedFileMetadata: extendedFileMetadata ?? false, partitionValues: partitionValues ?? null, size: size ?? null } });
  }
  return actions;
}

export async function writeCheckpoint(store: ObjectStore, snapshot: Snapshot, io: CheckpointIO): Promise<{ version: number; size: number; sizeInBytes: number }> {
  const actions = checkpointActions(snapshot);
  const { sizeInBytes } = await io.writeCheckpoint(store, checkpointKey(snapshot.version), actions);
  const last = { version: snapshot.version, size: actions.length, sizeInBytes, numOfAddFiles: snapshot.fileMap.size };
  // Never move _last_checkpoint backwards when a slower writer checkpoints an older version.
  const current = await readLastCheckpoint(store, snapshot.table).catch(() => undefined);
  if (!current || current.version <= snapshot.version) await store.put(LAST_CHECKPOINT_KEY, JSON.stringify(last));
  return { version: snapshot.version, size: actions.length, sizeInBytes };
}
