/**
 * Checkpoint Parquet files read and written with DuckDB (the engine side of delta/parquet.ts).
 * The written schema is the spec's classic checkpoint schema: one nullable struct column per
 * action type, add.partitionValues as MAP<string,string>, add.stats as a JSON string.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStore } from '../storage/object-store';
import type { Action } from '../delta/actions';
import type { CheckpointIO } from '../delta/parquet';
import { literal } from '../delta/schema';
import type { Engine } from './duckdb';

const ACTION_COLUMNS = ['txn', 'add', 'remove', 'metaData', 'protocol'] as const;

const MAP = 'MAP(VARCHAR, VARCHAR)';
/** Column types of a classic checkpoint (PROTOCOL.md "Checkpoint Schema"). */
export const CHECKPOINT_COLUMNS: Record<(typeof ACTION_COLUMNS)[number], string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP})`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT)`,
  metaData: `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
};

/** Drop null members, so a checkpoint row reads like the JSON action it stands for. */
function compact(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== null && x !== undefined) out[k] = x;
  return out;
}

export class DuckDBCheckpointIO implements CheckpointIO {
  constructor(private readonly engine: Engine) {}

  async readCheckpoint(store: ObjectStore, keys: string[]): Promise<Action[]> {
    const local: string[] = [];
    const temps: string[] = [];
    try {
      for (const key of keys) {
        const direct = store.directPath(key);
        if (direct) local.push(direct);
        else {
          const tmp = path.join(os.tmpdir(), `financelake-cp-${randomUUID()}.parquet`);
          await store.getFile(key, tmp);
          temps.push(tmp);
          local.push(tmp);
        }
      }
      const conn = await this.engine.connect();
      try {
        const files = `[${local.map(literal).join(', ')}]`;
        const cols = await this.engine.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${files}, union_by_name=true)`, conn);
        const present = ACTION_COLUMNS.filter((c) => cols.some((x) => x.column_name === c));
        if (!present.includes('add') || !present.includes('metaData') || !present.includes('protocol')) {
          throw new Error(`not a checkpoint: columns ${cols.map((c) => c.column_name).join(', ')}`);
        }
        // DuckDB renders the actions as one JSON array and V8 parses it once: much faster than
        // converting nested DuckDB values (or many small strings) row by row.
        const cases = present.map((c) => `WHEN "${c}" IS NOT NULL THEN '{"${c}":' || to_json("${c}")::VARCHAR || '}'`).join(' ');
        const reader = await conn.runAndReadAll(`SELECT '[' || coalesce(string_agg(CASE ${cases} END, ','), '') || ']' AS actions FROM read_parquet(${files}, union_by_name=true)`);
        const parsed = JSON.parse(String(reader.getRows()[0][0])) as Array<Record<string, unknown>>;
        const actions: Action[] = [];
        for (const row of parsed) {
          const c = Object.keys(row)[0] as (typeof ACTION_COLUMNS)[number];
          const body = compact(row[c]) as Record<string, unknown>;
          if (c === 'add' || c === 'remove') {
            if (typeof body.path !== 'string') continue; // Spark writes all-null structs in some rows
            if (c === 'add' && !body.partitionValues) body.partitionValues = {};
          }
          if (c === 'metaData') {
            if (typeof body.schemaString !== 'string') continue;
            if (!body.configuration) body.configuration = {};
            if (!body.partitionColumns) body.partitionColumns = [];
            if (body.format && typeof body.format === 'object') body.format = compact(body.format);
          }
          if (c === 'txn' && typeof body.appId !== 'string') continue;
          if (c === 'protocol' && typeof body.minReaderVersion !== 'number') continue;
          actions.push({ [c]: body } as Action);
        }
        return actions;
      } finally {
        conn.closeSync();
      }
    } finally {
      await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    }
  }

  async writeCheckpoint(store: ObjectStore, key: string, actions: Action[]): Promise<{ sizeInBytes: number }> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'financelake-cp-'));
    try {
      const ndjson = path.join(dir, 'actions.json');
      // Normalise into exactly the checkpoint columns, so read_json sees one shape.
      const lines = actions
        .map((a) => {
          const [k] = Object.keys(a);
          if (!(ACTION_COLUMNS as readonly string[]).includes(k)) return undefined;
          return JSON.stringify(a);
        })
        .filter((l): l is string => l !== undefined);
      await fs.writeFile(ndjson, lines.join('\n') + '\n');
      // Written locally, then uploaded: putFile is atomic on every store, so a concurrent
      // writer of the same checkpoint can never leave a torn file.
      const target = path.join(dir, 'checkpoint.parquet');
      const columns = `{${ACTION_COLUMNS.map((c) => `${literal(c)}: ${literal(CHECKPOINT_COLUMNS[c])}`).join(', ')}}`;
      const conn = await this.engine.connect();
      try {
        await this.engine.run(
          `COPY (SELECT ${ACTION_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM read_json(${literal(ndjson)}, format='newline_delimited', columns=${columns})) ` +
            `TO ${literal(target)} (FORMAT parquet, COMPRESSION zstd)`,
          conn,
        );
      } finally {
        conn.closeSync();
      }
      await store.putFile(key, target);
      return { sizeInBytes: (await fs.stat(target)).size };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}
