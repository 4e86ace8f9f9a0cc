/**
 * Idempotent provisioning of what FinanceLake expects on its services: the Temporal search
 * attributes and the S3 buckets. The local stack runs it after each start (infra/services.ts);
 * a deployment runs it once before its workers (`tsx infra/provision.ts`, the `financelake-setup`
 * service of docker-compose.yml), reading the same configuration.
 */
import { loadConfig, type Config, type S3Config } from '../config/env';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** Adds the FinanceLake search attributes (all Keyword) that the namespace lacks; returns the added names. */
export async function ensureSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const { Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({ address, connectTimeout: '10s' });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.keys(SEARCH_ATTRIBUTES).filter((n) => !(n in (existing.customAttributes ?? {})));
    if (missing.length > 0) {
      const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((n) => [n, KEYWORD])) });
    }
    return missing;
  } finally {
    await connection.close();
  }
}

/** Creates the buckets that do not exist yet; returns the created names. */
export async function ensureBuckets(s3: S3Config, buckets: readonly string[]): Promise<string[]> {
  // Node 20 is the machine's: the SDK's notice about its future minimum is noise in every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3Client, CreateBucketCommand, BucketAlreadyOwnedByYou, BucketAlreadyExists } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: s3.endpoint, region: s3.region, forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const created: string[] = [];
  try {
    for (const Bucket of buckets) {
      try {
        await client.send(new CreateBucketCommand({ Bucket }));
        created.push(Bucket);
      } catch (err) {
        if (!(err instanceof BucketAlreadyOwnedByYou || err instanceof BucketAlreadyExists)) throw err;
      }
    }
  } finally {
    client.destroy();
  }
  return created;
}

const bucketOf = (url: string | undefined) => (url?.startsWith('s3://') ? url.slice('s3://'.length).split('/')[0] : undefined);

/** Everything a deployment described by `config` needs before its workers start. */
export async function provision(config: Config, log: (msg: string) => void = () => undefined): Promise<void> {
  const added = await ensureSearchAttributes(config.temporal.address, config.temporal.namespace);
  log(`temporal ${config.temporal.address} namespace ${config.temporal.namespace}: search attributes ${added.length ? `added ${added.join(', ')}` : 'present'}`);
  const main = [...new Set([bucketOf(config.warehouse), bucketOf(config.landing)].filter((b): b is string => !!b))];
  if (main.length) log(`s3 ${config.s3.endpoint}: buckets ${main.join(', ')} (created: ${(await ensureBuckets(config.s3, main)).join(', ') || 'none'})`);
  const backup = bucketOf(config.backupTarget);
  if (backup) log(`backup s3 ${config.backupS3.endpoint}: bucket ${backup} (created: ${(await ensureBuckets(config.backupS3, [backup])).join(', ') || 'none'})`);
}

if (require.main === module) {
  provision(loadConfig(), (m) => console.log(`[provision] ${m}`)).then(
    () => console.log('[provision] done'),
    (err: unknown) => {
      console.error(`[provision] failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
