/**
 * RESTORE (Delta's RESTORE TABLE ... TO VERSION/TIMESTAMP AS OF): one new commit that makes
 * the latest version read exactly like an earlier one — re-adding the files it had that
 * were removed since, removing the files added since — with Delta's restore metrics.
 * Refused, naming the file, when a file the old version needs was already vacuumed.
 */
import { decodePath, ENGINE_INFO, type Action, type AddFile } from '../delta/actions';
import { MissingFileError } from '../delta/errors';
import { commit } from '../delta/transaction';
import type { TableHandle as DeltaTable } from './handle';

export interface RestoreTableResult {
  table: string;
  restoredVersion: number;
  /** The new version the restore committed (or the current one when nothing differed). */
  version: number;
  metrics: { numRestoredFiles: number; numRemovedFiles: number; restoredFilesSize: number; removedFilesSize: number; numOfFilesAfterRestore: number; tableSizeAfterRestore: number };
}

export async function restoreTable(table: DeltaTable, to: { version?: number; timestamp?: string | Date }): Promise<RestoreTableResult> {
  if ((to.version === undefined) === (to.timestamp === undefined)) throw new Error(`restore of ${table.name}: give exactly one of version or timestamp`);
  const current = await table.snapshot();
  const target = await table.snapshot(to.version !== undefined ? { version: to.version } : { timestamp: to.timestamp });
  const now = Date.now();
  const toAdd: AddFile[] = [];
  for (const [key, f] of target.fileMap) if (!current.fileMap.has(key)) toAdd.push(f);
  const toRemove: AddFile[] = [];
  for (const [key, f] of current.fileMap) if (!target.fileMap.has(key)) toRemove.push(f);
  for (const f of toAdd) {
    const head = await table.store.head(decodePath(f.path));
    if (!head) throw new MissingFileError(table.name, target.version, decodePath(f.path));
  }
  const metrics = {
    numRestoredFiles: toAdd.length,
    numRemovedFiles: toRemove.length,
    restoredFilesSize: toAdd.reduce((s, f) => s + f.size, 0),
    removedFilesSize: toRemove.reduce((s, f) => s + f.size, 0),
    numOfFilesAfterRestore: target.fileMap.size,
    tableSizeAfterRestore: target.files.reduce((s, f) => s + f.size, 0),
  };
  const metadataChanged = JSON.stringify(target.metadata) !== JSON.stringify(current.metadata);
  if (toAdd.length === 0 && toRemove.length === 0 && !metadataChanged) {
    return { table: table.name, restoredVersion: target.version, version: current.version, metrics };
  }
  const actions: Action[] = [
    {
      commitInfo: {
        timestamp: now,
        operation: 'RESTORE',
        operationParameters: to.version !== undefined ? { version: to.version } : { timestamp: new Date(to.timestamp!).toISOString() },
        operationMetrics: metrics,
        engineInfo: ENGINE_INFO,
        readVersion: current.version,
        isBlindAppend: false,
      },
    },
    ...(metadataChanged ? [{ metaData: target.metadata } as Action] : []),
    ...toRemove.map((f): Action => ({ remove: { path: f.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: f.partitionValues, size: f.size, stats: f.stats ?? null } })),
    ...toAdd.map((f): Action => ({ add: { ...f, dataChange: true, modificationTime: f.modificationTime } })),
  ];
  // The restore read the whole table: any concurrent add or remove conflicts (then re-run).
  const out = await commit(table.store, current.version, actions, { table: table.name, maxRetries: 10, isolation: { reads: () => true } });
  return { table: table.name, restoredVersion: target.version, version: out.version, metrics };
}
