import type { DeltaTable } from '../table';

/** What maintenance needs of a table: its store, engine, snapshots and checkpoints. */
export type TableHandle = Pick<DeltaTable, 'name' | 'store' | 'engine' | 'snapshot' | 'checkpoint'>;
