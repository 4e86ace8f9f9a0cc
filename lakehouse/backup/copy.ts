/**
 * Object copy and checksums between any two ObjectStores with bounded memory: small objects
 * go through memory, large ones stream through a temporary local file (the store interface
 * streams only to and from files), and checksums of stored objects are computed from
 * ranged reads so a multi-GB file never sits in memory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStore } from '../storage/object-store';

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
    await target.put(dest, body);
    return { size: body.byteLength, sha256: sha256(body) };
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
