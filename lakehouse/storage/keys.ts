/**
 * Key rules shared by every backend, so a key means the same object on local disk, S3 and HDFS.
 * A key is '/'-separated and relative: no leading or trailing '/', no empty, '.' or '..'
 * segments, no backslash or control characters. Spaces, '=', '+', '%' and unicode are fine
 * (Hive partition folders such as `date=2024-01-01/region=EU West`).
 */
import { randomBytes } from 'node:crypto';
import { StorageError } from './object-store';

/** Why `key` is not a valid key, or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key === '') return 'empty key';
  if (key.startsWith('/')) return 'key must be relative (leading "/")';
  if (key.endsWith('/')) return 'key must name an object, not a folder (trailing "/")';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return 'key holds a control character or backslash';
  for (const seg of key.split('/')) {
    if (seg === '') return 'key holds an empty segment ("//")';
    if (seg === '.' || seg === '..') return `key holds a "${seg}" segment`;
  }
  return undefined;
}

export function checkKey(store: string, key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new StorageError(store, String(key), `invalid key: ${problem}`, false);
  return key;
}

/**
 * A prefix for list() may end in '/' or be a partial name ('_delta_log/0000'); '' means all.
 * It obeys the key rules otherwise.
 */
export function checkPrefix(store: string, prefix: string): string {
  if (prefix === '') return prefix;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = keyProblem(body);
  if (problem) throw new StorageError(store, prefix, `invalid prefix: ${problem}`, false);
  return prefix;
}

/** Normalises a scoped() prefix to '' or 'a/b/' form. */
export function scopePrefix(store: string, prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  checkKey(store, trimmed);
  return `${trimmed}/`;
}

/**
 * Orders keys by Unicode code point, which is UTF-8 byte order: the order S3 lists in.
 * Plain `<` compares UTF-16 code units and puts astral characters before U+E000..U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx === sy) return x - y; // both BMP, or surrogates of two astral characters (same order)
    return sx ? 1 : -1; // an astral character sorts after every BMP one
  }
  return a.length - b.length;
}

/** Whether a key is listed under ListOptions.startAfter (strictly after it, code point order). */
export function isAfter(key: string, startAfter: string | undefined): boolean {
  return startAfter === undefined || compareKeys(key, startAfter) > 0;
}

/** Whether a folder can hold keys after startAfter: a listing skips the folders that cannot. */
export function folderIsAfter(folderKey: string, startAfter: string | undefined): boolean {
  if (startAfter === undefined) return true;
  const dir = `${folderKey}/`;
  return compareKeys(dir, startAfter) >= 0 || startAfter.startsWith(dir);
}

/**
 * In-flight files are written beside their target (same folder, so rename/link stays on one
 * file system / namespace) under a hidden name, and list() never shows them: a reader or a
 * vacuum never sees or deletes another writer's half-written object.
 */
const TEMP_SUFFIX = '.fl-tmp';

export function tempName(baseName: string): string {
  // Shortened (by code point, never splitting a surrogate pair) so a long but legal name
  // still leaves room for the suffix under the 255-byte file name limit.
  const short = Array.from(baseName).slice(0, 60).join('');
  return `.${short}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

export function splitKey(key: string): { dir: string; base: string } {
  const i = key.lastIndexOf('/');
  return i < 0 ? { dir: '', base: key } : { dir: key.slice(0, i), base: key.slice(i + 1) };
}

export function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}
