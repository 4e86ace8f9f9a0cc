/**
 * Shared by the backup and maintenance integration tests: a warehouse on the primary MinIO
 * and a backup location on the second MinIO (the backup site), each under a unique prefix
 * that is emptied afterwards, and delta-rs reads over S3 as the independent reader.
 */
import { runPython } from '../helpers/python';
import { Engine, Warehouse } from '../../lakehouse';
import { S3Store, type S3Options } from '../../lakehouse/storage';
import { stackConfig, uniqueName } from '../helpers/stack';
import { EXTENSION_DIR } from '../helpers/lakehouse';


export function s3(site: 'main' | 'backup'): S3Options & { useSsl: boolean } {
  const c = site === 'main' ? stackConfig().s3 : stackConfig().backupS3;
  return { endpoint: c.endpoint, region: c.region, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, forcePathStyle: c.forcePathStyle, useSsl: c.useSsl };
}

export interface Sites {
  engine: Engine;
  primaryUrl: string;
  backupUrl: string;
  warehouse: Warehouse;
  primary: S3Store;
  backup: S3Store;
  dispose(): Promise<void>;
}

export async function openSites(label: string): Promise<Sites> {
  const id = uniqueName(label);
  const primaryUrl = `s3://financelake-test/${id}/wh`;
  const backupUrl = `s3://financelake-backup/${id}`;
  const engine = await Engine.create({ threads: 2, memoryLimit: '1GB', extensionDirectory: EXTENSION_DIR, s3: s3('main') });
  const warehouse = await Warehouse.open(primaryUrl, { engine, s3: s3('main') });
  const primary = new S3Store(primaryUrl, s3('main'));
  const backup = new S3Store(backupUrl, s3('backup'));
  await new S3Store('s3://financelake-backup', s3('backup')).ensureBucket();
  return {
    engine,
    primaryUrl,
    backupUrl,
    warehouse,
    primary,
    backup,
    async dispose() {
      for (const store of [primary, backup]) {
        const all = await store.list('').catch(() => []);
        for (let i = 0; i < all.length; i += 32) await Promise.all(all.slice(i, i + 32).map((o) => store.delete(o.key).catch(() => undefined)));
      }
      await engine.close();
    },
  };
}

/** delta-rs over S3: version, row count and sorted ids of the table at `url` (at a version if given). */
export function deltaRsRead(url: string, site: 'main' | 'backup', version?: number): { version: number; rows: number; ids: number[] } {
  const o = s3(site);
  const opts = { AWS_ENDPOINT_URL: o.endpoint!, AWS_ACCESS_KEY_ID: o.accessKeyId!, AWS_SECRET_ACCESS_KEY: o.secretAccessKey!, AWS_REGION: o.region!, AWS_ALLOW_HTTP: 'true', AWS_S3_ALLOW_UNSAFE_RENAME: 'true' };
  const script = `
import json
from deltalake import DeltaTable
t = DeltaTable(${JSON.stringify(url)}, storage_options=${JSON.stringify(opts)}${version === undefined ? '' : `, version=${version}`})
ids = sorted(t.to_pyarrow_table().column('id').to_pylist())
print(json.dumps({'version': t.version(), 'rows': len(ids), 'ids': ids}))
`;
  return JSON.parse(runPython(script));
}

/** Runs a delta-rs script (test/helpers/python.ts retries only a native abort under load). */
export { runPython };

export const TRADES = {
  fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'day', type: 'string' as const },
    { name: 'amount', type: 'double' as const },
  ],
  partitionColumns: ['day'],
};

/** One append of ids [from, to) spread over two days. */
export function tradesQuery(from: number, to: number): string {
  return `SELECT i AS id, CASE WHEN i % 2 = 0 THEN '2024-01-01' ELSE '2024-01-02' END AS day, CAST(i * 1.5 AS DOUBLE) AS amount FROM range(${from}, ${to}) t(i)`;
}
