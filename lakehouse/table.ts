/**
 * DeltaTable: one Delta table on an ObjectStore, read and written through the Engine.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ObjectStore } from './storage/object-store';
import type { Engine } from './engine/duckdb';
import type { TableDefinition } from './delta/schema';
import type { Snapshot } from './delta/snapshot';

/** "date = '2024-01-01' AND region IN ('US','EU')": =, <>, <, <=, >, >=, IN, IS [NOT] NULL, AND, OR, NOT */
export type Predicate = string;

export interface CommitMetrics {
  numAddedFiles: number;
  numRemovedFiles: number;
  numOutputRows: number;
  numOutputBytes: number;
  numDeletedRows?: number;
}

export interface CommitResult {
  version: number;
  /** false: txn (appId, version) already applied, nothing written. */
  committed: boolean;
  metrics: CommitMetrics;
}

export interface WriteOptions {
  mode?: 'append' | 'overwrite';
  replaceWhere?: Predicate;
  txn?: { appId: string; version: number };
  mergeSchema?: boolean;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  /** Run the query on this connection so its temp views are visible. */
  conn?: DuckDBConnection;
  targetFileSizeBytes?: number;
}

export interface HistoryEntry {
  version: number;
  timestamp: number;
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  readVersion?: number;
  isBlindAppend?: boolean;
  engineInfo?: string;
}

export interface ScanMetrics {
  filesTotal: number;
  filesScanned: number;
  bytesScanned: number;
}

const NOT_YET = 'not implemented yet';

export class DeltaTable {
  private constructor(
    readonly name: string,
    readonly store: ObjectStore,
    readonly engine: Engine,
  ) {}

  static async open(store: ObjectStore, engine: Engine, name?: string): Promise<DeltaTable> {
    return new DeltaTable(name ?? store.url, store, engine);
  }

  static async create(store: ObjectStore, engine: Engine, _def: TableDefinition, name?: string): Promise<DeltaTable> {
    return new DeltaTable(name ?? store.url, store, engine);
  }

  async version(): Promise<number> {
    throw new Error(NOT_YET);
  }
  async snapshot(_at?: { version?: number; timestamp?: string | Date | number }): Promise<Snapshot> {
    throw new Error(NOT_YET);
  }
  async definition(): Promise<TableDefinition> {
    throw new Error(NOT_YET);
  }
  async write(_query: string, _opts?: WriteOptions): Promise<CommitResult> {
    throw new Error(NOT_YET);
  }
  async delete(_predicate: Predicate, _opts?: { txn?: { appId: string; version: number } }): Promise<CommitResult> {
    throw new Error(NOT_YET);
  }
  async registerView(_conn: DuckDBConnection, _viewName: string, _opts?: { version?: number; timestamp?: string; predicate?: Predicate }): Promise<ScanMetrics> {
    throw new Error(NOT_YET);
  }
  async query<T = Record<string, unknown>>(_sql: string, _opts?: { version?: number; predicate?: Predicate }): Promise<T[]> {
    throw new Error(NOT_YET);
  }
  async count(_predicate?: Predicate): Promise<number> {
    throw new Error(NOT_YET);
  }
  async txnVersion(_appId: string): Promise<number | undefined> {
    throw new Error(NOT_YET);
  }
  async history(_limit?: number): Promise<HistoryEntry[]> {
    throw new Error(NOT_YET);
  }
  async checkpoint(): Promise<number> {
    throw new Error(NOT_YET);
  }
}
