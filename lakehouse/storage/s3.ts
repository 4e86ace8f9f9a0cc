/**
 * ObjectStore over the S3 API (MinIO locally, S3 in production) with @aws-sdk/client-s3.
 *
 * - putIfAbsent is PutObject with `If-None-Match: *`: 412 PreconditionFailed means the key
 *   exists (false); 409 ConditionalRequestConflict means a concurrent conditional write is in
 *   flight, so we back off and ask again until one side has won.
 * - The SDK's own retries are off (maxAttempts 1): a streamed body cannot be replayed by the
 *   SDK, and our retry loop must know whether an earlier attempt of putIfAbsent may have
 *   landed (its reply lost), in which case a 412 is checked against the stored bytes.
 * - directPath is `s3://bucket/key`: DuckDB's httpfs reads and writes it with a secret for
 *   the same endpoint.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkKey, checkPrefix, compareKeys, scopePrefix, tempName, toBytes } from './keys';
import { NotFoundError, StorageError, type ByteRange, type ListOptions, type ObjectInfo, type ObjectStore } from './object-store';
import { isTransientNetworkError, withRetry, type RetryOptions } from './retry';

export interface S3Options {
  /** e.g. http://127.0.0.1:9000; omitted means AWS S3 for the region. */
  endpoint?: string;
  region?: string;
  /** Credentials; omitted means the SDK's default chain (environment, profile, ...). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Path-style addressing (http://host/bucket/key); default true, which MinIO needs. */
  forcePathStyle?: boolean;
  /** Per-request timeout in ms (default 60 000) and connect timeout (default 5 000). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  retry?: RetryOptions;
  /** putFile switches to multipart above this size (default 64 MiB). */
  multipartThresholdBytes?: number;
  /** Multipart part size (default 16 MiB; S3 needs >= 5 MiB except the last part). */
  partSizeBytes?: number;
  /** Keys per ListObjectsV2 page (default and S3 maximum 1000). */
  listPageSize?: number;
}

const MiB = 1024 * 1024;

/** Splits s3://bucket/prefix into bucket and a '' or 'a/b/' prefix. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw new StorageError(url, '', 'malformed S3 URL (expected s3://bucket/prefix)', false);
  const bucket = m[1];
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new StorageError(url, '', `invalid bucket name "${bucket}"`, false);
  return { bucket, prefix: scopePrefix(url, m[2] ?? '') };
}

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function statusOf(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(err: unknown): string {
  const e = err as SdkError | undefined;
  return e?.name ?? e?.Code ?? '';
}

const RETRYABLE_NAMES = new Set(['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'TimeoutError', 'RequestTimeTooSkewed', 'ConditionalRequestConflict', 'XMinioServerNotInitialized']);

/** Maps an SDK or socket error to NotFoundError or StorageError (retryable for 5xx, throttling, timeouts, 409 races). */
export function mapS3Error(store: string, key: string, op: string, err: unknown): Error {
  if (err instanceof StorageError || err instanceof NotFoundError) return err;
  const status = statusOf(err);
  const name = nameOf(err);
  const detail = (err as SdkError | undefined)?.message || name || String(err);
  if (name === 'NoSuchBucket') return new StorageError(store, key, `${op} failed: bucket does not exist`, false, { cause: err });
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new NotFoundError(store, key);
  const retryable = (status !== undefined && (status >= 500 || status === 409 || status === 429)) || RETRYABLE_NAMES.has(name) || isTransientNetworkError(err);
  const where = status ? `HTTP ${status} ${name}` : name || 'error';
  return new StorageError(store, key, `${op} failed: ${where}: ${detail}`, retryable, { cause: err });
}

interface Shared {
  client: S3Client;
  options: S3Options;
}

export class S3Store implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  /** '' or 'a/b/' below the bucket. */
  readonly prefix: string;
  private readonly shared: Shared;

  constructor(url: string, options?: S3Options);
  /** @internal shares the client of a parent store (scoped). */
  constructor(url: string, options: S3Options | undefined, shared: Shared);
  constructor(url: string, options: S3Options = {}, shared?: Shared) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = `s3://${bucket}${prefix ? `/${prefix.slice(0, -1)}` : ''}`;
    this.shared = shared ?? { client: S3Store.client(options), options };
  }

  private static client(o: S3Options): S3Client {
    return new S3Client({
      endpoint: o.endpoint,
      region: o.region ?? 'us-east-1',
      forcePathStyle: o.forcePathStyle ?? true,
      credentials: o.accessKeyId && o.secretAccessKey ? { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, sessionToken: o.sessionToken } : undefined,
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { requestTimeout: o.requestTimeoutMs ?? 60_000, connectionTimeout: o.connectTimeoutMs ?? 5_000 },
    });
  }

  /** The SDK client, for callers that need an S3 call the store does not offer. */
  get client(): S3Client {
    return this.shared.client;
  }

  private full(key: string): string {
    return this.prefix + checkKey(this.url, key);
  }

  private call<T>(key: string, op: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(this.shared.options.retry, async (attempt) => {
      try {
        return await fn(attempt);
      } catch (err) {
        throw mapS3Error(this.url, key, op, err);
      }
    });
  }

  /** Creates the bucket when missing (idempotent). */
  async ensureBucket(): Promise<void> {
    const Bucket = this.bucket;
    await this.call('', 'ensureBucket', async () => {
      try {
        await this.shared.client.send(new HeadBucketCommand({ Bucket }));
        return;
      } catch (err) {
        if (statusOf(err) !== 404 && nameOf(err) !== 'NotFound' && nameOf(err) !== 'NoSuchBucket') throw err;
      }
      try {
        await this.shared.client.send(new CreateBucketCommand({ Bucket }));
      } catch (err) {
        if (nameOf(err) !== 'BucketAlreadyOwnedByYou' && nameOf(err) !== 'BucketAlreadyExists') throw err;
      }
    });
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const Key = this.full(key);
    if (range && range.length <= 0) {
      if (!(await this.head(key))) throw new NotFoundError(this.url, key);
      return new Uint8Array(0);
    }
    return this.call(key, 'get', async () => {
      try {
        const res = await this.shared.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined }));
        if (!res.Body) return new Uint8Array(0);
        return await res.Body.transformToByteArray();
      } catch (err) {
        // A range starting at or past the end: S3 says 416; the contract says "no bytes".
        if (range && (statusOf(err) === 416 || nameOf(err) === 'InvalidRange')) return new Uint8Array(0);
        throw err;
      }
    });
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const Key = this.full(key);
    const Body = toBytes(body);
    await this.call(key, 'put', () => this.shared.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body, ContentLength: Body.byteLength })));
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const Key = this.full(key);
    const Body = toBytes(body);
    let mayHaveLanded = false;
    return this.call(key, 'putIfAbsent', async () => {
      try {
        await this.shared.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body, ContentLength: Body.byteLength, IfNoneMatch: '*' }));
        return true;
      } catch (err) {
        if (statusOf(err) === 412 || nameOf(err) === 'PreconditionFailed') {
          // An earlier attempt whose reply was lost may be the object now there: then it is ours.
          return mayHaveLanded ? await this.holds(Key, Body) : false;
        }
        if (statusOf(err) !== 409) mayHaveLanded = true; // 409: nothing was written; anything else: unknown
        throw err;
      }
    });
  }

  private async holds(Key: string, body: Uint8Array): Promise<boolean> {
    const res = await this.shared.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
    const stored = res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
    return Buffer.from(stored).equals(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const Key = this.full(key);
    let size: number;
    try {
      size = (await fs.stat(localPath)).size;
    } catch (err) {
      throw new StorageError(this.url, key, `putFile failed: cannot read local file ${localPath}`, false, { cause: err });
    }
    const threshold = this.shared.options.multipartThresholdBytes ?? 64 * MiB;
    if (size > threshold) return this.multipart(key, Key, localPath, size);
    await this.call(key, 'putFile', () =>
      this.shared.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: createReadStream(localPath), ContentLength: size })),
    );
  }

  private async multipart(key: string, Key: string, localPath: string, size: number): Promise<void> {
    const partSize = Math.max(5 * MiB, this.shared.options.partSizeBytes ?? 16 * MiB);
    const { UploadId } = await this.call(key, 'putFile (create multipart)', () => this.shared.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key })));
    if (!UploadId) throw new StorageError(this.url, key, 'putFile failed: no UploadId in CreateMultipartUpload reply', true);
    try {
      const Parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, PartNumber = 1; start < size; start += partSize, PartNumber++) {
        const length = Math.min(partSize, size - start);
        const { ETag } = await this.call(key, `putFile (part ${PartNumber})`, () =>
          this.shared.client.send(
            new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, ContentLength: length, Body: createReadStream(localPath, { start, end: start + length - 1 }) }),
          ),
        );
        if (!ETag) throw new StorageError(this.url, key, `putFile failed: no ETag for part ${PartNumber}`, true);
        Parts.push({ ETag, PartNumber });
      }
      await this.call(key, 'putFile (complete multipart)', () =>
        this.shared.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts } })),
      );
    } catch (err) {
      await this.shared.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  async getFile(key: string, localPath: string): Promise<void> {
    const Key = this.full(key);
    const dest = path.resolve(localPath);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await this.call(key, 'getFile', async () => {
      const part = path.join(path.dirname(dest), tempName(path.basename(dest)));
      try {
        const res = await this.shared.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
        await pipeline(res.Body as Readable, createWriteStream(part, { flags: 'wx' }));
        await fs.rename(part, dest); // the destination appears whole or not at all
      } finally {
        await fs.rm(part, { force: true });
      }
    });
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ObjectInfo[]> {
    checkPrefix(this.url, prefix);
    const out: ObjectInfo[] = [];
    // S3 orders keys by UTF-8 bytes, our code point order: its StartAfter is ours.
    const StartAfter = opts.startAfter === undefined ? undefined : this.prefix + opts.startAfter;
    let ContinuationToken: string | undefined;
    do {
      const res = await this.call(prefix, 'list', () =>
        this.shared.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, StartAfter, ContinuationToken, MaxKeys: this.shared.options.listPageSize }),
        ),
      );
      for (const o of res.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue; // folder markers made by other tools
        out.push({ key: o.Key.slice(this.prefix.length), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) });
      }
      ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const Key = this.full(key);
    try {
      const res = await this.call(key, 'head', () => this.shared.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key })));
      return { key, size: res.ContentLength ?? 0, modified: res.LastModified ?? new Date(0) };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.full(key);
    await this.call(key, 'delete', () => this.shared.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  scoped(prefix: string): S3Store {
    const p = scopePrefix(this.url, prefix);
    if (p === '') return this;
    const full = this.prefix + p;
    return new S3Store(`s3://${this.bucket}/${full.slice(0, -1)}`, this.shared.options, this.shared);
  }

  directPath(key: string): string {
    return `s3://${this.bucket}/${this.full(key)}`;
  }

  /** Closes the shared client's sockets (all scoped stores of this root). */
  destroy(): void {
    this.shared.client.destroy();
  }
}
