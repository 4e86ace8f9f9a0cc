/**
 * ObjectStore over a local folder: the embedded default, and what DuckDB reads and writes
 * directly (directPath is the absolute file path).
 *
 * Every write lands in a hidden temp file beside the target, is fsynced, and then appears
 * whole in one step: rename() for put (atomic replace), link() for putIfAbsent (atomic
 * create-if-absent: EEXIST means someone else won). Readers never see partial objects.
 */
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkKey, checkPrefix, compareKeys, folderIsAfter, isAfter, isTempName, scopePrefix, tempName, toBytes } from './keys';
import { NotFoundError, StorageError, type ByteRange, type ListOptions, type ObjectInfo, type ObjectStore } from './object-store';

const RETRYABLE_FS = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR']);

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class LocalStore implements ObjectStore {
  readonly url: string;
  /** Absolute path of the store root. */
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  private abs(key: string): string {
    checkKey(this.url, key);
    return path.join(this.root, ...key.split('/'));
  }

  private fail(key: string, op: string, err: unknown): Error {
    if (err instanceof StorageError || err instanceof NotFoundError) return err;
    const c = code(err);
    const msg = err instanceof Error ? err.message : String(err);
    return new StorageError(this.url, key, `${op} failed: ${msg}`, c !== undefined && RETRYABLE_FS.has(c), { cause: err });
  }

  /** Writes a complete, fsynced temp file beside `target` and returns its path. */
  private async stage(target: string, write: (tmp: string) => Promise<void>): Promise<string> {
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, tempName(path.basename(target)));
    try {
      await write(tmp);
      const fh = await fs.open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      return tmp;
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  private stageBytes(target: string, body: Uint8Array | string): Promise<string> {
    return this.stage(target, (tmp) => fs.writeFile(tmp, toBytes(body), { flag: 'wx' }));
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const file = this.abs(key);
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(file, 'r');
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') throw new NotFoundError(this.url, key);
      throw this.fail(key, 'get', err);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new NotFoundError(this.url, key);
      const start = range ? Math.min(range.offset, st.size) : 0;
      const length = range ? Math.max(0, Math.min(range.length, st.size - start)) : st.size;
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, start + done);
        if (bytesRead === 0) break; // truncated under us: return what exists
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    } catch (err) {
      throw this.fail(key, 'get', err);
    } finally {
      await fh.close();
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const target = this.abs(key);
    try {
      const tmp = await this.stageBytes(target, body);
      await this.publish(tmp, target);
    } catch (err) {
      throw this.fail(key, 'put', err);
    }
  }

  /** rename() over the target; atomic replace on POSIX. */
  private async publish(tmp: string, target: string): Promise<void> {
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const target = this.abs(key);
    let tmp: string | undefined;
    try {
      tmp = await this.stageBytes(target, body);
      await fs.link(tmp, target);
      await syncDir(path.dirname(target)); // a commit the caller saw succeed must survive a crash
      return true;
    } catch (err) {
      if (code(err) === 'EEXIST') return false;
      throw this.fail(key, 'putIfAbsent', err);
    } finally {
      if (tmp) await fs.rm(tmp, { force: true });
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.abs(key);
    try {
      // copyFile lets the kernel move the bytes (copy_file_range), never a whole-file buffer.
      const tmp = await this.stage(target, (t) => fs.copyFile(localPath, t, fsc.COPYFILE_EXCL));
      await this.publish(tmp, target);
    } catch (err) {
      if (code(err) === 'ENOENT' && !(await exists(localPath))) {
        throw new StorageError(this.url, key, `putFile failed: local file ${localPath} does not exist`, false, { cause: err });
      }
      throw this.fail(key, 'putFile', err);
    }
  }

  async getFile(key: string, localPath: string): Promise<void> {
    const source = this.abs(key);
    const dest = path.resolve(localPath);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const part = path.join(path.dirname(dest), tempName(path.basename(dest)));
    try {
      await fs.copyFile(source, part);
      await fs.rename(part, dest);
    } catch (err) {
      await fs.rm(part, { force: true });
      if ((code(err) === 'ENOENT' || code(err) === 'ENOTDIR') && !(await isFile(source))) throw new NotFoundError(this.url, key);
      throw this.fail(key, 'getFile', err);
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ObjectInfo[]> {
    checkPrefix(this.url, prefix);
    const out: ObjectInfo[] = [];
    const slash = prefix.lastIndexOf('/');
    const startKey = slash < 0 ? '' : prefix.slice(0, slash);
    try {
      await this.walk(startKey, prefix, opts.startAfter, out);
    } catch (err) {
      throw this.fail(prefix, 'list', err);
    }
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  /** Names come from readdir; only the keys listed are stat'ed (size, mtime), so startAfter saves the stats before it. */
  private async walk(dirKey: string, prefix: string, startAfter: string | undefined, out: ObjectInfo[]): Promise<void> {
    const dirAbs = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dirAbs, { withFileTypes: true });
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return; // absent or removed while listing
      throw err;
    }
    const subdirs: string[] = [];
    const files: string[] = [];
    for (const e of entries) {
      if (isTempName(e.name)) continue;
      const key = dirKey === '' ? e.name : `${dirKey}/${e.name}`;
      if (e.isDirectory()) {
        const asDir = `${key}/`;
        if ((asDir.startsWith(prefix) || prefix.startsWith(asDir)) && folderIsAfter(key, startAfter)) subdirs.push(key);
      } else if (key.startsWith(prefix) && isAfter(key, startAfter) && (e.isFile() || e.isSymbolicLink())) {
        files.push(key);
      }
    }
    const infos = await Promise.all(files.map((k) => this.stat(k)));
    for (const info of infos) if (info) out.push(info);
    for (const d of subdirs) await this.walk(d, prefix, startAfter, out);
  }

  private async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await fs.stat(path.join(this.root, ...key.split('/')));
      return st.isFile() ? { key, size: st.size, modified: st.mtime } : undefined;
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.abs(key);
    try {
      return await this.stat(key);
    } catch (err) {
      throw this.fail(key, 'head', err);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.abs(key);
    try {
      await fs.unlink(file);
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return;
      throw this.fail(key, 'delete', err);
    }
  }

  scoped(prefix: string): LocalStore {
    const p = scopePrefix(this.url, prefix);
    return p === '' ? this : new LocalStore(path.join(this.root, ...p.slice(0, -1).split('/')));
  }

  directPath(key: string): string {
    return this.abs(key);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** fsync a folder so a new entry in it is durable; best effort where folders cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch {
    // some file systems refuse fsync on folders (EINVAL/EISDIR): the file itself is synced
  } finally {
    await fh?.close();
  }
}
