/**
 * The storage contract every backend implements (local disk, S3/MinIO, HDFS/WebHDFS).
 * Keys are '/'-separated and relative to the store's root; no POSIX or S3 assumptions leak out.
 */
export interface ObjectInfo {
  /** Key relative to the store root. */
  key: string;
  size: number;
  modified: Date;
}

export interface ByteRange {
  offset: number;
  length: number;
}

export interface ObjectStore {
  /** URL of the store root: file:///abs/path, s3://bucket/prefix, hdfs://host:port/path. */
  readonly url: string;
  /** Whole object or a byte range. Throws NotFoundError when absent. */
  get(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Create or replace. */
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** Create only if absent, atomically; false when the key already exists. The Delta commit primitive. */
  putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>;
  /** Upload a local file, streamed. */
  putFile(key: string, localPath: string): Promise<void>;
  /** Download to a local file, streamed. Throws NotFoundError when absent. */
  getFile(key: string, localPath: string): Promise<void>;
  /** Every object whose key starts with prefix (recursive), sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Delete; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** A store rooted at `prefix` below this one (shares connections). */
  scoped(prefix: string): ObjectStore;
  /**
   * Where DuckDB can read or write `key` itself: an absolute local path or an s3:// URL.
   * undefined for stores DuckDB cannot reach (HDFS): callers go through the engine's cache.
   */
  directPath(key: string): string | undefined;
}

export class NotFoundError extends Error {
  constructor(readonly store: string, readonly key: string) {
    super(`not found: ${key} in ${store}`);
    this.name = 'NotFoundError';
  }
}

/** A call the backend refused or failed; `retryable` marks transient failures (timeouts, 5xx, lost DataNode). */
export class StorageError extends Error {
  constructor(readonly store: string, readonly key: string, message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super(`${message} (${key} in ${store})`, options);
    this.name = 'StorageError';
  }
}
