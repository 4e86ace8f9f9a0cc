/**
 * A bounded local cache of data files for stores DuckDB cannot read itself (HDFS).
 * Files are keyed by store URL, key and size (Delta data files are immutable, so size is a
 * sufficient version); downloads go to a temp name and are renamed into place, so a
 * concurrent reader (this process or another) sees either no file or a complete one.
 * Eviction is least-recently-used by mtime (touched on every hit), sparing files used in the
 * last `graceMs` so a scan that was just planned does not lose its inputs.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../storage/object-store';

export class FileCache {
  private inflight = new Map<string, Promise<string>>();
  private evicting: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    readonly graceMs = 60_000,
  ) {}

  /** A local path holding store/key (of `size` bytes), downloading it if needed. */
  async localPath(store: ObjectStore, key: string, size: number): Promise<string> {
    const name = createHash('sha256').update(`${store.url}\n${key}\n${size}`).digest('hex').slice(0, 40) + path.extname(key);
    const file = path.join(this.dir, name);
    const pending = this.inflight.get(file);
    if (pending) return pending;
    const p = this.fetch(store, key, file).finally(() => this.inflight.delete(file));
    this.inflight.set(file, p);
    return p;
  }

  private async fetch(store: ObjectStore, key: string, file: string): Promise<string> {
    try {
      const now = new Date();
      await fs.utimes(file, now, now);
      return file;
    } catch {
      // not cached yet
    }
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      await store.getFile(key, tmp);
      await fs.rename(tmp, file);
    } finally {
      await fs.rm(tmp, { force: true });
    }
    await this.evict();
    return file;
  }

  /** Remove least recently used files until the cache fits maxBytes. */
  async evict(): Promise<void> {
    this.evicting ??= this.doEvict().finally(() => (this.evicting = undefined));
    return this.evicting;
  }

  private async doEvict(): Promise<void> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const entries: Array<{ file: string; size: number; mtime: number }> = [];
    for (const n of names) {
      if (n.endsWith('.tmp')) continue;
      const file = path.join(this.dir, n);
      const st = await fs.stat(file).catch(() => undefined);
      if (st?.isFile()) entries.push({ file, size: st.size, mtime: st.mtimeMs });
    }
    let total = entries.reduce((s, e) => s + e.size, 0);
    if (total <= this.maxBytes) return;
    const cutoff = Date.now() - this.graceMs;
    entries.sort((a, b) => a.mtime - b.mtime);
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      if (e.mtime > cutoff) break;
      await fs.rm(e.file, { force: true });
      total -= e.size;
    }
  }

  async totalBytes(): Promise<number> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    let total = 0;
    for (const n of names) {
      const st = await fs.stat(path.join(this.dir, n)).catch(() => undefined);
      if (st?.isFile() && !n.endsWith('.tmp')) total += st.size;
    }
    return total;
  }
}
