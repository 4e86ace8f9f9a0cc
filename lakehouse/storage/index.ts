/**
 * Storage entry point: openStore(url) picks the backend from the location.
 *   /abs/path, rel/path, file:///abs/path   -> LocalStore
 *   s3://bucket/prefix                      -> S3Store (options.s3: endpoint, credentials, ...)
 *   hdfs://host:rpcPort/path                -> HdfsStore over WebHDFS on options.hdfs.httpPort (9870)
 *   webhdfs://host:httpPort/path            -> HdfsStore on the port in the URL
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HdfsStore, type HdfsOptions } from './hdfs';
import { LocalStore } from './local';
import { StorageError, type ObjectStore } from './object-store';
import { S3Store, type S3Options } from './s3';

export * from './object-store';
export { LocalStore } from './local';
export { S3Store, parseS3Url, mapS3Error, type S3Options } from './s3';
export { HdfsStore, parseHdfsUrl, type HdfsOptions, type HdfsLocation } from './hdfs';
export { compareKeys, keyProblem } from './keys';
export type { RetryOptions } from './retry';

export interface OpenStoreOptions {
  s3?: S3Options;
  hdfs?: HdfsOptions;
  /** Base for relative local paths (default: process.cwd()). */
  cwd?: string;
}

export type StoreKind = 'local' | 's3' | 'hdfs';

export function storeKind(url: string): StoreKind {
  if (/^s3:\/\//i.test(url)) return 's3';
  if (/^(hdfs|webhdfs):\/\//i.test(url)) return 'hdfs';
  if (/^file:\/\//i.test(url) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return 'local';
  throw new StorageError(url, '', `unsupported store URL scheme (use a local path, file://, s3:// or hdfs://)`, false);
}

export function openStore(url: string, options: OpenStoreOptions = {}): ObjectStore {
  switch (storeKind(url)) {
    case 's3':
      return new S3Store(url.replace(/^s3:/i, 's3:'), options.s3);
    case 'hdfs':
      return new HdfsStore(url.replace(/^(web)?hdfs:/i, (m) => m.toLowerCase()), options.hdfs);
    case 'local': {
      if (url === '') throw new StorageError(url, '', 'empty store location', false);
      const p = /^file:\/\//i.test(url) ? fileURLToPath(url) : url;
      return new LocalStore(path.resolve(options.cwd ?? process.cwd(), p));
    }
  }
}
