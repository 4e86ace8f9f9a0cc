/**
 * A Warehouse: one root location holding tables at '<layer>/<name>'
 * ('silver.transactions' -> silver/transactions/).
 */
import type { ObjectStore } from './storage/object-store';
import type { Engine, EngineS3Options } from './engine/duckdb';
import type { TableDefinition } from './delta/schema';
import { DeltaTable } from './table';

export interface WarehouseOpenOptions {
  engine: Engine;
  s3?: EngineS3Options;
  hdfs?: { httpPort?: number; user?: string };
}

export class Warehouse {
  private constructor(
    readonly url: string,
    readonly store: ObjectStore,
    readonly engine: Engine,
  ) {}

  static async open(_url: string, _opts: WarehouseOpenOptions): Promise<Warehouse> {
    throw new Error('not implemented yet');
  }

  async table(_name: string): Promise<DeltaTable | undefined> {
    throw new Error('not implemented yet');
  }

  async createTable(_name: string, _def: TableDefinition, _opts?: { ifNotExists?: boolean }): Promise<DeltaTable> {
    throw new Error('not implemented yet');
  }

  async listTables(): Promise<string[]> {
    throw new Error('not implemented yet');
  }
}
