/**
 * The slice of the lakehouse/ API quality/ uses, as structural types: the real Warehouse and
 * DeltaTable satisfy them, and quality/ does not depend on lakehouse/ internals.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export interface QField {
  name: string;
  type: string;
  nullable?: boolean;
}

export interface QTableDefinition {
  fields: QField[];
  partitionColumns?: string[];
  description?: string;
  properties?: Record<string, string>;
}

export interface QCommitResult {
  version: number;
  committed: boolean;
  metrics: { numOutputRows: number; numDeletedRows?: number };
}

export interface QTable {
  readonly name: string;
  version(): Promise<number>;
  write(
    query: string,
    opts?: {
      mode?: 'append' | 'overwrite';
      replaceWhere?: string;
      txn?: { appId: string; version: number };
      operation?: string;
      operationParameters?: Record<string, unknown>;
      conn?: DuckDBConnection;
    },
  ): Promise<QCommitResult>;
  registerView(conn: DuckDBConnection, viewName: string, opts?: { version?: number; predicate?: string }): Promise<unknown>;
  delete(predicate: string, opts?: { txn?: { appId: string; version: number } }): Promise<QCommitResult>;
  count(predicate?: string): Promise<number>;
  query<T = Record<string, unknown>>(sql: string, opts?: { version?: number; predicate?: string }): Promise<T[]>;
}

export interface QEngine {
  connect(): Promise<DuckDBConnection>;
}

export interface QWarehouse {
  readonly engine: QEngine;
  table(name: string): Promise<QTable | undefined>;
  createTable(name: string, def: QTableDefinition, opts?: { ifNotExists?: boolean }): Promise<QTable>;
}
