/**
 * A Warehouse: one root location holding tables at '<layer>/<name>'
 * ('silver.transactions' -> silver/transactions/).
 */
import { openStore, type HdfsOptions, type ObjectStore, type S3Options } from './storage';
import type { Engine } from './engine/duckdb';
import type { TableDefinition } from './delta/schema';
import { DeltaError, TableExistsError, TableNotFoundError } from './delta/errors';
import { DeltaTable } from './table';

export interface WarehouseOpenOptions {
  engine: Engine;
  s3?: S3Options;
  hdfs?: HdfsOptions;
}

const NAME = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/;
const FIRST_COMMIT = /^([^/]+)\/([^/]+)\/_delta_log\/\d{20}\.(json|checkpoint\.parquet)$/;

export class Warehouse {
  private constructor(
    readonly url: string,
    readonly store: ObjectStore,
    readonly engine: Engine,
  ) {}

  static async open(url: string, opts: WarehouseOpenOptions): Promise<Warehouse> {
    const store = openStore(url, { s3: opts.s3, hdfs: opts.hdfs });
    // DuckDB reads and writes s3:// itself: give it this warehouse's endpoint and keys, scoped to the bucket.
    if (/^s3:\/\//i.test(url)) await opts.engine.configureS3(opts.s3 ?? {}, `s3://${new URL(url).host}`);
    return new Warehouse(store.url, store, opts.engine);
  }

  /** 'silver.transactions' -> 'silver/transactions' */
  static location(name: string): string {
    const m = NAME.exec(name);
    if (!m) throw new DeltaError(name, `invalid table name ${JSON.stringify(name)}: expected '<layer>.<name>'`);
    return `${m[1]}/${m[2]}`;
  }

  tableStore(name: string): ObjectStore {
    return this.store.scoped(Warehouse.location(name));
  }

  /** The table, or undefined when none exists at its location. */
  async table(name: string): Promise<DeltaTable | undefined> {
    try {
      return await DeltaTable.open(this.tableStore(name), this.engine, name);
    } catch (err) {
      if (err instanceof TableNotFoundError) return undefined;
      throw err;
    }
  }

  async createTable(name: string, def: TableDefinition, opts: { ifNotExists?: boolean } = {}): Promise<DeltaTable> {
    try {
      return await DeltaTable.create(this.tableStore(name), this.engine, def, name);
    } catch (err) {
      if (err instanceof TableExistsError && opts.ifNotExists) return DeltaTable.open(this.tableStore(name), this.engine, name);
      throw err;
    }
  }

  /** Names ('layer.name') of the tables under this root, sorted. Lists the whole root: use sparingly. */
  async listTables(): Promise<string[]> {
    const names = new Set<string>();
    for (const o of await this.store.list('')) {
      const m = FIRST_COMMIT.exec(o.key);
      if (m) names.add(`${m[1]}.${m[2]}`);
    }
    return [...names].sort();
  }
}
