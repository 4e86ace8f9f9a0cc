/**
 * The stack's MinIO through the AWS SDK: the primitives the S3 store and the Delta commit rely on.
 */
import {
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { BUCKETS, s3ClientConfig, uniqueName } from '../helpers/stack';

const Bucket = BUCKETS.test;

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode ?? -1;
    throw err;
  }
}

describe('MinIO of the local stack', () => {
  const s3 = new S3Client(s3ClientConfig());
  const prefix = `${uniqueName('minio-test')}/`;
  afterAll(async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    for (const o of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket, Key: o.Key }));
    s3.destroy();
  });

  it('has the buckets the project needs', async () => {
    expect(await statusOf(s3.send(new HeadBucketCommand({ Bucket: BUCKETS.warehouse })))).toBe(200);
    expect(await statusOf(s3.send(new HeadBucketCommand({ Bucket: BUCKETS.test })))).toBe(200);
    const backup = new S3Client(s3ClientConfig('backup'));
    try {
      expect(await statusOf(backup.send(new HeadBucketCommand({ Bucket: BUCKETS.backup })))).toBe(200);
    } finally {
      backup.destroy();
    }
  });

  it('puts, gets, gets a range, lists and deletes', async () => {
    const body = 'FinanceLake: 0123456789';
    for (const name of ['a.txt', 'b.txt', 'sub/c.txt']) {
      await s3.send(new PutObjectCommand({ Bucket, Key: prefix + name, Body: `${body} ${name}` }));
    }
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: `${prefix}a.txt` }));
    expect(await got.Body!.transformToString()).toBe(`${body} a.txt`);

    const ranged = await s3.send(new GetObjectCommand({ Bucket, Key: `${prefix}a.txt`, Range: 'bytes=13-16' }));
    expect(ranged.$metadata.httpStatusCode).toBe(206);
    expect(await ranged.Body!.transformToString()).toBe('0123');
    expect(ranged.ContentRange).toBe(`bytes 13-16/${body.length + ' a.txt'.length}`);

    const all = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    expect((all.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort()).toEqual(['a.txt', 'b.txt', 'sub/c.txt']);
    const top = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, Delimiter: '/' }));
    expect((top.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual([`${prefix}sub/`]);

    await s3.send(new DeleteObjectCommand({ Bucket, Key: `${prefix}b.txt` }));
    expect(await statusOf(s3.send(new HeadObjectCommand({ Bucket, Key: `${prefix}b.txt` })))).toBe(404);
    const after = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    expect((after.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort()).toEqual(['a.txt', 'sub/c.txt']);
  });

  it('refuses a second PutObject with If-None-Match: * on an existing key (412), keeping the first body', async () => {
    const Key = `${prefix}_delta_log/00000000000000000000.json`;
    expect(await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'first', IfNoneMatch: '*' })))).toBe(200);
    expect(await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'second', IfNoneMatch: '*' })))).toBe(412);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body!.transformToString()).toBe('first');
  });

  it('lets exactly one of many concurrent If-None-Match: * writers create a key', async () => {
    const Key = `${prefix}_delta_log/00000000000000000001.json`;
    const codes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: `writer ${i}`, IfNoneMatch: '*' })))),
    );
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    // A losing writer sees 412, or 409 when its request raced the winner's in flight.
    expect(codes.filter((c) => c !== 200).every((c) => c === 412 || c === 409)).toBe(true);
  });
});
