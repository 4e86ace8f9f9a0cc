/**
 * Object copy and checksums between any two ObjectStores with bounded memory: small objects
 * go through memory, large ones stream through a temporary local file (the store interface
 * streams only to and from files), and checksums of stored objects are computed from
 * ranged reads so a multi-GB file never sits in memory.
 *
 * Into S3 the sha256 a copy computes is also the request's signed payload hash
 * (x-amz-content-sha256): the server rejects the PUT unless the bytes it stored hash to the
 * manifest's value, so each copied file is verified at the target in the same pass, and the
 * SDK does not hash the body a second time to sign it.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStore } from '../storage/object-store';
import { checkKey } from '../storage/keys';
import { withRetry } from '../storage/retry';
import { S3Store, mapS3Error } from '../storage/s3';

/** Objects up to this size are copied through memory (with 4 copies in flight: <= 128 MB). */
export const IN_MEMORY_LIMIT = 32 * 1024 * 1024;
const HASH_CHUNK = 8 * 1024 * 1024;

export function sha256(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Writes `body` whose sha256 (hex) the caller computed. S3: one PUT signed with that hash,
 * which the server checks against what it stored (a mismatch is an error, never a stored
 * file). Other stores: a plain put.
 */
export async function putVerified(target: ObjectStore, key: string, body: Uint8Array, digest: string): Promise<void> {
  if (!(target instanceof S3Store)) return target.put(key, body);
  const cmd = new PutObjectCommand({ Bucket: target.bucket, Key: target.prefix + checkKey(target.url, key), Body: body, ContentLength: body.byteLength });
  cmd.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = digest;
      return next(args);
    },
    { step: 'build', name: 'financelakePayloadSha256' },
  );
  await withRetry(undefined, async () => {
    try {
      await target.client.send(cmd);
    } catch (err) {
      throw mapS3Error(target.url, key, 'put', err);
    }
  });
}

export interface CopyResult {
  size: number;
  sha256: string;
}

/**
 * Copies `key` from `source` to `target` (same key unless `targetKey`), returning the size
 * and checksum of the bytes written. The checksum is taken from the bytes in flight, so a
 * manifest records what was sent; verify later re-reads the target and compares.
 */
export async function copyObject(source: ObjectStore, target: ObjectStore, key: string, opts: { size?: number; tmpDir?: string; targetKey?: string } = {}): Promise<CopyResult> {
  const dest = opts.targetKey ?? key;
  const size = opts.size ?? (await source.head(key))?.size ?? 0;
  if (size <= IN_MEMORY_LIMIT) {
    const body = await source.get(key);
    const digest = sha256(body);
    await putVerified(target, dest, body, digest);
    return { size: body.byteLength, sha256: digest };
  }
  const dir = opts.tmpDir ?? path.join(os.tmpdir(), 'financelake-copy');
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, randomUUID());
  try {
    await source.getFile(key, tmp);
    const [digest, st] = await Promise.all([sha256File(tmp), stat(tmp)]);
    await target.putFile(dest, tmp);
    return { size: st.size, sha256: digest };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Checksum of a stored object from ranged reads (bounded memory). */
export async function objectSha256(store: ObjectStore, key: string, size: number): Promise<string> {
  if (size <= IN_MEMORY_LIMIT) return sha256(await store.get(key));
  const h = createHash('sha256');
  for (let offset = 0; offset < size; offset += HASH_CHUNK) {
    h.update(await store.get(key, { offset, length: Math.min(HASH_CHUNK, size - offset) }));
  }
  return h.digest('hex');
}
