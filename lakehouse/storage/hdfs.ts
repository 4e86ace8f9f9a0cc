/**
 * ObjectStore over HDFS through WebHDFS (REST on the NameNode's HTTP port), with Node's http
 * and a keep-alive Agent: no Hadoop client, no JVM.
 *
 * Writes: every object is first written whole to a hidden temp file beside the target
 * (CREATE in two steps: the NameNode names a DataNode, the body goes to the DataNode), then
 * renamed into place with the NameNode's atomic RENAME:
 *   - put / putFile: RENAME renameoptions=OVERWRITE, an atomic replace. Not CREATE
 *     overwrite=true on the final name, which would show readers a truncated file while the
 *     body streams in, and leave a torn file if a DataNode died mid-write.
 *   - putIfAbsent: RENAME renameoptions=NONE, which fails with FileAlreadyExistsException
 *     when the target exists (false). Not CREATE overwrite=false on the final name: HDFS
 *     makes that file visible, empty, before its bytes arrive, so a concurrent Delta reader
 *     could read a partial commit, and a lost DataNode would leave a torn commit forever.
 *     Because the temp name is ours alone, a retried RENAME that finds its source gone knows
 *     that its first attempt landed (the reply was lost): true, never a double commit.
 * Temp files are hidden from list(). Transient failures (refused/reset connections, 5xx,
 * safe mode, lost DataNodes, timeouts) are retried with backoff, then surface as a
 * StorageError naming the path, with retryable = true.
 */
import http from 'node:http';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkKey, checkPrefix, compareKeys, folderIsAfter, isAfter, isTempName, scopePrefix, splitKey, tempName, toBytes } from './keys';
import { NotFoundError, StorageError, type ByteRange, type ListOptions, type ObjectInfo, type ObjectStore } from './object-store';
import { isTransientNetworkError, withRetry, type RetryOptions } from './retry';

export interface HdfsOptions {
  /** WebHDFS (NameNode HTTP) port for hdfs:// URLs, whose own port is the RPC port. Default 9870. */
  httpPort?: number;
  /** `user.name` sent with every call (simple auth). Default 'root'. */
  user?: string;
  /** Socket idle timeout per request in ms (default 30 000). */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Concurrent sockets per host (default 8). */
  maxSockets?: number;
  /** Concurrent LISTSTATUS calls while walking folders (default 4). */
  listConcurrency?: number;
}

export interface HdfsLocation {
  scheme: 'hdfs' | 'webhdfs';
  host: string;
  /** The port written in the URL (RPC for hdfs://, HTTP for webhdfs://), if any. */
  port: number | undefined;
  httpPort: number;
  /** Absolute HDFS path of the root, without trailing '/': '' for the file system root. */
  path: string;
}

export function parseHdfsUrl(url: string, httpPort = 9870): HdfsLocation {
  const m = /^(hdfs|webhdfs):\/\/(\[[^\]]+\]|[^/:]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (!m) throw new StorageError(url, '', 'malformed HDFS URL (expected hdfs://host:port/path or webhdfs://host:port/path)', false);
  const scheme = m[1] as 'hdfs' | 'webhdfs';
  const port = m[3] ? Number(m[3]) : undefined;
  // The path is taken as written (like s3:// prefixes), not percent-decoded.
  const rel = scopePrefix(url, m[4] ?? '');
  return { scheme, host: m[2], port, httpPort: scheme === 'webhdfs' ? (port ?? httpPort) : httpPort, path: rel ? `/${rel.slice(0, -1)}` : '' };
}

/** A WebHDFS RemoteException, or an HTTP failure without one. */
export interface HdfsFailure {
  status: number;
  exception: string;
  message: string;
}

export function parseFailure(status: number, body: string): HdfsFailure {
  try {
    const r = (JSON.parse(body) as { RemoteException?: { exception?: string; message?: string } }).RemoteException;
    if (r) return { status, exception: r.exception ?? 'RemoteException', message: (r.message ?? '').split('\n')[0] };
  } catch {
    // not JSON: a proxy or Jetty error page
  }
  return { status, exception: `HTTP ${status}`, message: body.replace(/\s+/g, ' ').slice(0, 200) };
}

const RETRYABLE_EXCEPTIONS = new Set(['RetriableException', 'SafeModeException', 'StandbyException', 'ObserverRetryOnActiveException', 'LeaseExpiredException']);
/** IOExceptions that mean a DataNode or the write pipeline went away: another try may find one. */
const LOST_DATANODE = /could only be (written|replicated)|datanode|DataStreamer|pipeline|All datanodes|Failed to find|no live nodes|Connection refused|Connection reset|timed? ?out/i;

export function isRetryableFailure(f: HdfsFailure): boolean {
  if (f.status >= 500 || f.status === 429) return true;
  if (RETRYABLE_EXCEPTIONS.has(f.exception)) return true;
  return f.exception === 'IOException' && LOST_DATANODE.test(f.message);
}

/** The NameNode's answer when a parent of the path is a file (AccessControlException or ParentNotDirectoryException). */
export function isNotADirectory(f: HdfsFailure): boolean {
  return /ParentNotDirectoryException|AccessControlException/.test(f.exception) && /is not a directory/i.test(f.message);
}

const READ_OPS = new Set(['OPEN', 'GETFILESTATUS', 'LISTSTATUS_BATCH', 'DELETE']);

class HttpFailure extends Error {
  constructor(readonly failure: HdfsFailure) {
    super(`${failure.exception}: ${failure.message}`);
  }
}

interface Reply {
  status: number;
  body: Buffer;
  location?: string;
}

/** Bytes, or a factory of a fresh stream (one per attempt) plus its length. */
type Body = Uint8Array | { open: () => Readable; length: number };

interface SendOptions {
  body?: Body;
  /** Stream a 200 reply into a writable made on demand, instead of buffering it. */
  sink?: () => Writable;
}

interface Shared {
  loc: HdfsLocation;
  user: string;
  agent: http.Agent;
  options: HdfsOptions;
}

export class HdfsStore implements ObjectStore {
  readonly url: string;
  /** Absolute HDFS path of this store's root ('' = file system root). */
  readonly rootPath: string;
  private readonly shared: Shared;

  constructor(url: string, options?: HdfsOptions);
  /** @internal shares the agent of a parent store (scoped). */
  constructor(url: string, options: HdfsOptions | undefined, shared: Shared);
  constructor(url: string, options: HdfsOptions = {}, shared?: Shared) {
    const loc = parseHdfsUrl(url, options.httpPort);
    this.rootPath = loc.path;
    this.url = `${loc.scheme}://${loc.host}${loc.port !== undefined ? `:${loc.port}` : ''}${loc.path}`;
    this.shared = shared ?? {
      loc,
      user: options.user ?? 'root',
      agent: new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 8 }),
      options,
    };
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private abs(key: string): string {
    return `${this.rootPath}/${checkKey(this.url, key)}`;
  }

  private nameNodeUrl(hdfsPath: string, op: string, params: Record<string, string | number | boolean> = {}): URL {
    const { host, httpPort } = this.shared.loc;
    const encoded = hdfsPath.split('/').map(encodeURIComponent).join('/') || '/';
    const u = new URL(`http://${host}:${httpPort}/webhdfs/v1${encoded}`);
    u.searchParams.set('op', op);
    u.searchParams.set('user.name', this.shared.user);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
    return u;
  }

  private send(method: string, url: URL, opts: SendOptions = {}): Promise<Reply> {
    const timeout = this.shared.options.timeoutMs ?? 30_000;
    const body = opts.body;
    const length = body === undefined ? 0 : body instanceof Uint8Array ? body.byteLength : body.length;
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(err);
      };
      const req = http.request(url, { method, agent: this.shared.agent, headers: method === 'GET' || method === 'DELETE' ? {} : { 'content-length': length } });
      req.setTimeout(timeout, () => fail(Object.assign(new Error(`no reply from ${url.host} in ${timeout} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', fail);
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const done = (buf: Buffer) => {
          if (settled) return;
          settled = true;
          resolve({ status, body: buf, location: res.headers.location });
        };
        if (opts.sink && status === 200) {
          pipeline(res, opts.sink()).then(() => done(Buffer.alloc(0)), fail);
          return;
        }
        (async () => {
          const chunks: Buffer[] = [];
          for await (const c of res) chunks.push(c as Buffer);
          done(Buffer.concat(chunks));
        })().catch(fail);
      });
      if (body === undefined) req.end();
      else if (body instanceof Uint8Array) req.end(body);
      else pipeline(body.open(), req).catch(fail);
    });
  }

  /** One WebHDFS call; a non-2xx reply becomes HttpFailure. */
  private async call(method: string, url: URL, opts?: SendOptions): Promise<Reply> {
    const reply = await this.send(method, url, opts);
    if (reply.status < 200 || reply.status >= 300) throw new HttpFailure(parseFailure(reply.status, reply.body.toString('utf8')));
    return reply;
  }

  /** The two-step calls (CREATE, OPEN): ask the NameNode which DataNode, then talk to it. */
  private async twoStep(method: 'PUT' | 'GET', hdfsPath: string, op: string, params: Record<string, string | number | boolean>, opts?: SendOptions): Promise<Reply> {
    const first = await this.send(method, this.nameNodeUrl(hdfsPath, op, { ...params, noredirect: true }));
    // Hadoop 3 answers noredirect with JSON; an older or proxied NameNode may still redirect.
    if (first.status === 307 && first.location) return this.call(method, new URL(first.location), opts);
    if (first.status < 200 || first.status >= 300) throw new HttpFailure(parseFailure(first.status, first.body.toString('utf8')));
    const location = (JSON.parse(first.body.toString('utf8')) as { Location?: string }).Location;
    if (!location) throw new HttpFailure({ status: first.status, exception: 'NoLocation', message: `NameNode gave no DataNode location for ${op}` });
    return this.call(method, new URL(location), opts);
  }

  /** Runs `fn` with retries; failures become NotFoundError or a StorageError naming the op and path. */
  private run<T>(key: string, op: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(this.shared.options.retry, async (attempt) => {
      try {
        return await fn(attempt);
      } catch (err) {
        throw this.mapError(key, op, err);
      }
    });
  }

  private mapError(key: string, op: string, err: unknown): Error {
    if (err instanceof StorageError || err instanceof NotFoundError) return err;
    const where = `WebHDFS ${op} ${this.rootPath}/${key} on ${this.shared.loc.host}:${this.shared.loc.httpPort}`;
    if (err instanceof HttpFailure) {
      const f = err.failure;
      if (f.exception === 'FileNotFoundException' || f.status === 404) return new NotFoundError(this.url, key);
      // 'a/b/c' where 'a/b' is a file: for a read or a delete the key simply does not exist.
      if (READ_OPS.has(op) && isNotADirectory(f)) return new NotFoundError(this.url, key);
      return new StorageError(this.url, key, `${where} failed: ${f.exception}: ${f.message}`, isRetryableFailure(f), { cause: err });
    }
    const e = err as { code?: string; message?: string; address?: string; port?: number };
    const peer = e?.address && e?.port ? ` by ${e.address}:${e.port}${e.port === this.shared.loc.httpPort ? ' (NameNode)' : ' (DataNode)'}` : '';
    const why = e?.code === 'ECONNREFUSED' ? `connection refused${peer} (is HDFS up? \`npm run infra -- up --with hdfs\`)` : `${e?.code ?? ''} ${e?.message ?? String(err)}`.trim();
    return new StorageError(this.url, key, `${where} failed: ${why}`, isTransientNetworkError(err), { cause: err });
  }

  // ---------------------------------------------------------------- writes

  /** A hidden temp path beside `key`: one per call, reused by that call's retries. */
  private stagingPath(key: string): string {
    const { dir, base } = splitKey(key);
    return `${this.rootPath}${dir ? `/${dir}` : ''}/${tempName(base)}`;
  }

  /**
   * Writes `body` whole at the staging path. overwrite=true: the name is ours alone, and a retry
   * must replace what a cut attempt left there (a new inode, so a zombie writer cannot touch it).
   */
  private async stage(tmp: string, body: Body): Promise<void> {
    await this.twoStep('PUT', tmp, 'CREATE', { overwrite: true }, { body });
  }

  /**
   * Best effort: a DataNode that died mid-write may still create the file after this DELETE;
   * such leftovers are hidden from list() and named `.<name>.<hex>.fl-tmp`.
   */
  private async removeQuietly(hdfsPath: string): Promise<void> {
    await this.send('DELETE', this.nameNodeUrl(hdfsPath, 'DELETE', { recursive: false })).catch(() => undefined);
  }

  private async replace(key: string, op: string, body: Body): Promise<void> {
    const target = this.abs(key);
    const tmp = this.stagingPath(key);
    let renamed = false;
    try {
      await this.run(key, op, async () => {
        await this.stage(tmp, body);
        await this.call('PUT', this.nameNodeUrl(tmp, 'RENAME', { destination: target, renameoptions: 'OVERWRITE' }));
        renamed = true;
      });
    } finally {
      if (!renamed) await this.removeQuietly(tmp);
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    checkKey(this.url, key);
    await this.replace(key, 'put', toBytes(body));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    checkKey(this.url, key);
    let size: number;
    try {
      size = (await fs.stat(localPath)).size;
    } catch (err) {
      throw new StorageError(this.url, key, `putFile failed: cannot read local file ${localPath}`, false, { cause: err });
    }
    await this.replace(key, 'putFile', { open: () => createReadStream(localPath), length: size });
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const target = this.abs(key);
    const bytes = toBytes(body);
    const tmp = this.stagingPath(key);
    let renamed = false;
    try {
      await this.run(key, 'putIfAbsent (write)', () => this.stage(tmp, bytes));
      return (renamed = await this.run(key, 'putIfAbsent (rename)', async (attempt) => {
        try {
          await this.call('PUT', this.nameNodeUrl(tmp, 'RENAME', { destination: target, renameoptions: 'NONE' }));
          return true;
        } catch (err) {
          if (err instanceof HttpFailure && err.failure.exception === 'FileAlreadyExistsException') return false;
          // Only we know the temp name: if it is gone on a retry, our earlier RENAME landed.
          if (attempt > 0 && err instanceof HttpFailure && err.failure.exception === 'FileNotFoundException' && /rename source/.test(err.failure.message)) return true;
          if (err instanceof HttpFailure && err.failure.exception === 'FileNotFoundException') {
            throw new StorageError(this.url, key, `putIfAbsent failed: staged file ${tmp} vanished before RENAME: ${err.failure.message}`, true, { cause: err });
          }
          throw err;
        }
      }));
    } finally {
      if (!renamed) await this.removeQuietly(tmp); // lost the race, or failed: drop the staged copy
    }
  }

  // ---------------------------------------------------------------- reads

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const p = this.abs(key);
    if (range && range.length <= 0) {
      if (!(await this.head(key))) throw new NotFoundError(this.url, key);
      return new Uint8Array(0);
    }
    return this.run(key, 'OPEN', async () => {
      try {
        const reply = await this.twoStep('GET', p, 'OPEN', range ? { offset: range.offset, length: range.length } : {});
        return new Uint8Array(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength);
      } catch (err) {
        // The NameNode refuses an offset at or past the end; the contract says "no bytes".
        if (range && err instanceof HttpFailure && /Offset=\d+ out of the range/.test(err.failure.message)) return new Uint8Array(0);
        throw err;
      }
    });
  }

  async getFile(key: string, localPath: string): Promise<void> {
    const p = this.abs(key);
    const dest = path.resolve(localPath);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await this.run(key, 'OPEN', async () => {
      const part = path.join(path.dirname(dest), tempName(path.basename(dest)));
      try {
        await this.twoStep('GET', p, 'OPEN', {}, { sink: () => createWriteStream(part, { flags: 'wx' }) });
        await fs.rename(part, dest); // the destination appears whole or not at all
      } finally {
        await fs.rm(part, { force: true });
      }
    });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const p = this.abs(key);
    try {
      return await this.run(key, 'GETFILESTATUS', async () => {
        const reply = await this.call('GET', this.nameNodeUrl(p, 'GETFILESTATUS'));
        const st = (JSON.parse(reply.body.toString('utf8')) as { FileStatus: FileStatus }).FileStatus;
        return st.type === 'FILE' ? { key, size: st.length, modified: new Date(st.modificationTime) } : undefined;
      });
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ObjectInfo[]> {
    checkPrefix(this.url, prefix);
    const slash = prefix.lastIndexOf('/');
    const out: ObjectInfo[] = [];
    const pending: string[] = [slash < 0 ? '' : prefix.slice(0, slash)];
    const workers = Math.max(1, this.shared.options.listConcurrency ?? 4);
    let active = 0;
    // A small pool: folders (Hive partitions) are walked concurrently, a few at a time.
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const pump = () => {
        if (failed) return;
        if (pending.length === 0 && active === 0) return resolve();
        while (active < workers && pending.length > 0) {
          const dirKey = pending.shift() as string;
          active++;
          this.listDir(dirKey, prefix, opts.startAfter)
            .then(({ files, dirs }) => {
              out.push(...files);
              pending.push(...dirs);
              active--;
              pump();
            })
            .catch((err) => {
              failed = true;
              reject(err);
            });
        }
      };
      pump();
    });
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  /**
   * One folder, all pages of LISTSTATUS_BATCH; keeps what can match `prefix` and sorts after
   * `keysAfter` (filtered here: WebHDFS's own startAfter names an entry of one folder, not a key).
   */
  private async listDir(dirKey: string, prefix: string, keysAfter: string | undefined): Promise<{ files: ObjectInfo[]; dirs: string[] }> {
    const dirPath = dirKey ? `${this.rootPath}/${dirKey}` : this.rootPath || '/';
    const files: ObjectInfo[] = [];
    const dirs: string[] = [];
    let startAfter: string | undefined;
    do {
      let page: { statuses: FileStatus[]; remaining: number };
      try {
        page = await this.run(dirKey || prefix, 'LISTSTATUS_BATCH', async () => {
          const reply = await this.call('GET', this.nameNodeUrl(dirPath, 'LISTSTATUS_BATCH', startAfter ? { startAfter } : {}));
          const listing = (JSON.parse(reply.body.toString('utf8')) as BatchListing).DirectoryListing;
          return { statuses: listing.partialListing.FileStatuses.FileStatus, remaining: listing.remainingEntries };
        });
      } catch (err) {
        if (err instanceof NotFoundError) return { files, dirs }; // folder absent or removed while walking
        throw err;
      }
      for (const st of page.statuses) {
        const name = st.pathSuffix;
        if (!name || isTempName(name)) continue; // '' = dirPath itself is a file
        const key = dirKey ? `${dirKey}/${name}` : name;
        if (st.type === 'DIRECTORY') {
          const asDir = `${key}/`;
          if ((asDir.startsWith(prefix) || prefix.startsWith(asDir)) && folderIsAfter(key, keysAfter)) dirs.push(key);
        } else if (st.type === 'FILE' && key.startsWith(prefix) && isAfter(key, keysAfter)) {
          files.push({ key, size: st.length, modified: new Date(st.modificationTime) });
        }
      }
      startAfter = page.remaining > 0 && page.statuses.length > 0 ? page.statuses[page.statuses.length - 1].pathSuffix : undefined;
    } while (startAfter !== undefined);
    return { files, dirs };
  }

  // ---------------------------------------------------------------- the rest

  async delete(key: string): Promise<void> {
    const p = this.abs(key);
    await this.run(key, 'DELETE', async () => {
      try {
        await this.call('DELETE', this.nameNodeUrl(p, 'DELETE', { recursive: false })); // {"boolean": false} when absent
      } catch (err) {
        if (err instanceof HttpFailure && (err.failure.exception === 'FileNotFoundException' || isNotADirectory(err.failure))) return;
        throw err;
      }
    });
  }

  scoped(prefix: string): HdfsStore {
    const p = scopePrefix(this.url, prefix);
    if (p === '') return this;
    const { scheme, host, port } = this.shared.loc;
    const sub = `${this.rootPath}/${p.slice(0, -1)}`;
    return new HdfsStore(`${scheme}://${host}${port !== undefined ? `:${port}` : ''}${sub}`, this.shared.options, this.shared);
  }

  /** DuckDB cannot read HDFS: callers go through the engine's local cache. */
  directPath(_key: string): undefined {
    return undefined;
  }

  /** Closes idle keep-alive sockets (of this store and its scoped stores). */
  destroy(): void {
    this.shared.agent.destroy();
  }
}

interface FileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  length: number;
  modificationTime: number;
}

interface BatchListing {
  DirectoryListing: { partialListing: { FileStatuses: { FileStatus: FileStatus[] } }; remainingEntries: number };
}
