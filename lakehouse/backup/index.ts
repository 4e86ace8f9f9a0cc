/** Backups of Delta tables to a second ObjectStore: incremental copy, manifests, verify, restore, retention. */
export { backupTable, backupWarehouse, backupTableImage, discoverTables, BackupDivergedError } from './backup';
export type { BackupOptions, BackupProgress, BackupResult, WarehouseBackupOptions } from './backup';
export { verifyBackup, describeProblems, newestManifest } from './verify';
export type { VerifyOptions, VerifyProblem, VerifyResult } from './verify';
export { restoreFromBackup, BackupCorruptError } from './restore';
export type { RestoreOptions, RestoreResult, RestoredTable } from './restore';
export { applyRetention, selectRetained } from './retention';
export type { RetentionPolicy, RetentionResult } from './retention';
export { listManifests, readManifest, manifestKey, newRunId, MANIFEST_PREFIX } from './manifest';
export type { BackupManifest, TableManifest, ManifestFile } from './manifest';
export { copyObject, objectSha256, putVerified, sha256 } from './copy';
export { mapLimit } from './pool';
export { runDrill, fingerprint, formatDrill } from './drill';
export type { DrillOptions, DrillReport, DrillTableReport, TableFingerprint } from './drill';
