/**
 * Delta log actions (PROTOCOL.md "Actions"): their TypeScript shapes and the JSON lines a
 * commit file holds. Field names follow the spec exactly so a parsed line is the action.
 */
import { CorruptCommitError } from './errors';

export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

export interface Format {
  provider: string;
  options?: Record<string, string>;
}

export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: Format;
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number | null;
}

/** Per-file column statistics, as carried (JSON-encoded) in add.stats. */
export interface FileStats {
  numRecords: number;
  minValues?: Record<string, unknown>;
  maxValues?: Record<string, unknown>;
  nullCount?: Record<string, unknown>;
  tightBounds?: boolean;
}

export interface AddFile {
  /** Relative to the table root and URL-encoded (RFC 2396 URI), or an absolute URI. */
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  /** JSON string of FileStats. */
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: unknown;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
  clusteringProvider?: string | null;
}

export interface RemoveFile {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: unknown;
}

export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

export interface CommitInfo {
  timestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  engineInfo?: string;
  isBlindAppend?: boolean;
  readVersion?: number;
  [key: string]: unknown;
}

/** One line of a commit file: exactly one of these keys is set. */
export type Action =
  | { protocol: Protocol }
  | { metaData: Metadata }
  | { add: AddFile }
  | { remove: RemoveFile }
  | { txn: Txn }
  | { commitInfo: CommitInfo }
  | { cdc: Record<string, unknown> }
  | { domainMetadata: Record<string, unknown> }
  | { checkpointMetadata: Record<string, unknown> }
  | { sidecar: Record<string, unknown> };

export const ENGINE_NAME = 'financelake';
export const ENGINE_VERSION = '0.1.0';
export const ENGINE_INFO = `${ENGINE_NAME}/${ENGINE_VERSION}`;

/** The protocol we write: readable by delta-rs, Spark and DuckDB's delta extension. */
export const WRITE_PROTOCOL: Protocol = { minReaderVersion: 1, minWriterVersion: 2 };

const ACTION_KEYS = new Set(['protocol', 'metaData', 'add', 'remove', 'txn', 'commitInfo', 'cdc', 'domainMetadata', 'checkpointMetadata', 'sidecar']);

/**
 * Parse a commit file (newline-delimited JSON). A line that is not a JSON object with one
 * known action key is corruption; a missing trailing newline is allowed (Spark omits it),
 * but a last line cut mid-object fails JSON.parse and is reported as truncated.
 */
export function parseCommit(text: string, where: { table: string; version: number; file: string }): Action[] {
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      const last = lines.slice(i + 1).every((l) => l.trim() === '');
      throw new CorruptCommitError(where.table, where.version, where.file, i + 1, `${last ? 'truncated or invalid JSON' : 'invalid JSON'}: ${(err as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CorruptCommitError(where.table, where.version, where.file, i + 1, 'line is not a JSON object');
    }
    const keys = Object.keys(value);
    const known = keys.filter((k) => ACTION_KEYS.has(k));
    if (known.length !== 1) {
      // Unknown action types are to be ignored by readers, but a line with none of ours is damage.
      if (known.length === 0 && keys.length === 1) continue;
      throw new CorruptCommitError(where.table, where.version, where.file, i + 1, `expected one action, found keys ${JSON.stringify(keys)}`);
    }
    const body = (value as Record<string, unknown>)[known[0]];
    if (body === null || typeof body !== 'object') {
      throw new CorruptCommitError(where.table, where.version, where.file, i + 1, `action ${known[0]} is not an object`);
    }
    validateAction(known[0], body as Record<string, unknown>, (detail) => new CorruptCommitError(where.table, where.version, where.file, i + 1, detail));
    actions.push({ [known[0]]: body } as Action);
  }
  return actions;
}

function validateAction(kind: string, body: Record<string, unknown>, fail: (detail: string) => Error): void {
  const need = (field: string, type: string): void => {
    if (typeof body[field] !== type) throw fail(`${kind}.${field} must be a ${type}`);
  };
  switch (kind) {
    case 'add':
      need('path', 'string');
      need('size', 'number');
      if (body.partitionValues === undefined || body.partitionValues === null) body.partitionValues = {};
      break;
    case 'remove':
      need('path', 'string');
      break;
    case 'metaData':
      need('schemaString', 'string');
      if (!Array.isArray(body.partitionColumns)) throw fail('metaData.partitionColumns must be an array');
      if (body.configuration === undefined || body.configuration === null) body.configuration = {};
      break;
    case 'protocol':
      need('minReaderVersion', 'number');
      need('minWriterVersion', 'number');
      break;
    case 'txn':
      need('appId', 'string');
      need('version', 'number');
      break;
  }
}

/** Serialise actions as a commit file body: one JSON object per line, trailing newline. */
export function serializeCommit(actions: Action[]): string {
  return actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
}

/** Zero-padded commit file name for a version. */
export function commitKey(version: number): string {
  return `_delta_log/${String(version).padStart(20, '0')}.json`;
}

export function checkpointKey(version: number): string {
  return `_delta_log/${String(version).padStart(20, '0')}.checkpoint.parquet`;
}

export const LAST_CHECKPOINT_KEY = '_delta_log/_last_checkpoint';

/**
 * Encode a relative data file path the way the spec wants add.path: a URI path, so
 * characters like ' ', ':', '%' or '=' in partition values are percent-encoded per segment.
 */
export function encodePath(relative: string): string {
  return relative
    .split('/')
    // '=' stays literal: Hive folder names ('date=2024-01-01') read naturally, as Spark writes them.
    .map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%3D/g, '='))
    .join('/');
}

/** Inverse of encodePath: the store key (relative to the table root) for an add.path. */
export function decodePath(path: string): string {
  // Most paths hold no escape: skip the decoder (a snapshot decodes every live file's path).
  return path.includes('%') ? decodeURIComponent(path) : path;
}

export function isAdd(a: Action): a is { add: AddFile } {
  return 'add' in a;
}
export function isRemove(a: Action): a is { remove: RemoveFile } {
  return 'remove' in a;
}
export function isMetadata(a: Action): a is { metaData: Metadata } {
  return 'metaData' in a;
}
export function isProtocol(a: Action): a is { protocol: Protocol } {
  return 'protocol' in a;
}
export function isTxn(a: Action): a is { txn: Txn } {
  return 'txn' in a;
}
export function isCommitInfo(a: Action): a is { commitInfo: CommitInfo } {
  return 'commitInfo' in a;
}

export function parseStats(stats: string | null | undefined): FileStats | undefined {
  if (!stats) return undefined;
  try {
    const v = JSON.parse(stats) as FileStats;
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined; // bad stats only cost skipping, never correctness
  }
}
