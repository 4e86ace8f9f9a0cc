/**
 * The storage contract every backend implements (local disk, S3/MinIO, HDFS/WebHDFS).
 * Keys are '/'-separated and relative to the store's root; no POSIX or S3 assumptions leak out.
 *
 * Key rules (all backends; see keys.ts): no leading/trailing '/', no empty, '.' or '..'
 * segments, no backslash or control characters; '=', spaces, '+', '%' and unicode are fine.
 * A key must not also be the folder of another key ('a/b' and 'a/b/c'): file systems and
 * MinIO cannot hold both. An invalid key is a StorageError with retryable = false.
 *
 * Visibility: an object appears whole or not at all (put, putIfAbsent, putFile); readers never
 * see a partial write, and put replaces atomically. list() is sorted by Unicode code point
 * (= UTF-8 byte order, S3's order) and never shows a writer's in-flight temp files.
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

export interface ListOptions {
  /**
   * Only keys sorting strictly after this one (code point order), like S3's StartAfter: how the
   * Delta log is listed from its checkpoint on, at a cost that does not grow with the table's age.
   */
  startAfter?: string;
}

export interface ObjectStore {
  /** URL of the store root: file:///abs/path, s3://bucket/prefix, hdfs://host:port/path. */
  readonly url: string;
  /**
   * Whole object or a byte range. A range is clamped to the object's end (an offset at or past
   * the end gives no bytes). Throws NotFoundError when absent.
   */
  get(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Create or replace. */
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** Create only if absent, atomically; false when the key already exists. The Delta commit primitive. */
  putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>;
  /** Upload a local file, streamed. */
  putFile(key: string, localPath: string): Promise<void>;
  /**
   * Download to a local file, streamed; the file appears whole (written aside, then renamed),
   * parent folders are created. Throws NotFoundError when absent, leaving nothing at localPath.
   */
  getFile(key: string, localPath: string): Promise<void>;
  /** Every object whose key starts with prefix (recursive), sorted by key; with startAfter, only the keys after it. */
  list(prefix: string, opts?: ListOptions): Promise<ObjectInfo[]>;
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
