/**
 * Optimistic commits: write `_delta_log/<readVersion+1>.json` with put-if-absent; on a lost
 * race, read the winners, check logical conflicts, and retry at the next version.
 *
 * Conflict rules (Serializable for what a transaction read; blind appends never conflict):
 *  - a winner that changed protocol or metaData conflicts with everyone;
 *  - a winner that removed a file this transaction also removes conflicts (double delete);
 *  - a transaction that read data (overwrite, replaceWhere, delete: not a blind append)
 *    conflicts with a winner that added or removed files in what it read;
 *  - a winner carrying a txn for the same appId makes this commit a duplicate or a conflict;
 *  - blind appends never conflict otherwise.
 */
import type { ObjectStore } from '../storage/object-store';
import { commitKey, decodePath, parseCommit, serializeCommit, type Action, type AddFile, type RemoveFile } from './actions';
import { ConcurrentModificationError, LogError } from './errors';

/** What a transaction read, so a concurrent winner can be judged conflicting or not. */
export interface ReadScope {
  /**
   * Whether a file (by its partition values and stats) falls inside what this transaction
   * read. undefined: the transaction read nothing (a blind append).
   */
  reads?: (file: { partitionValues: Record<string, string | null>; stats?: string | null }) => boolean;
}

export interface CommitOptions {
  table?: string;
  /** Retries after lost races before giving up (default 1000: blind appends must never fail). */
  maxRetries?: number;
  isolation?: ReadScope;
}

export interface CommitOutcome {
  version: number;
  /** false: a winner already committed this transaction's txn (appId, version); nothing written. */
  committed: boolean;
  attempts: number;
}

export async function commit(store: ObjectStore, readVersion: number, actions: Action[], opts: CommitOptions = {}): Promise<CommitOutcome> {
  const table = opts.table ?? store.url;
  const maxRetries = opts.maxRetries ?? 1000;
  const body = serializeCommit(actions);
  const ourRemoves = new Set(actions.filter((a): a is { remove: RemoveFile } => 'remove' in a).map((a) => decodePath(a.remove.path)));
  const ourTxns = new Map(actions.filter((a): a is { txn: { appId: string; version: number } } => 'txn' in a).map((a) => [a.txn.appId, a.txn.version]));
  let version = readVersion + 1;
  for (let attempt = 1; ; attempt++) {
    if (await store.putIfAbsent(commitKey(version), body)) return { version, committed: true, attempts: attempt };
    if (attempt > maxRetries) throw new LogError(table, version, commitKey(version), `gave up after ${maxRetries} lost commit races`);
    // Lost the race for `version`: judge the winner, then try the next one.
    const { text, actions: winner } = await readWinner(store, version, table);
    // Our own earlier attempt whose reply was lost: the commit is ours, not a rival's.
    if (text === body) return { version, committed: true, attempts: attempt };
    for (const a of winner) {
      if ('txn' in a && ourTxns.has(a.txn.appId)) {
        if (a.txn.version >= ourTxns.get(a.txn.appId)!) return { version, committed: false, attempts: attempt };
        throw new ConcurrentModificationError(table, readVersion, version, `a concurrent writer committed txn ${a.txn.appId} version ${a.txn.version}`);
      }
    }
    const reason = conflictReason(winner, ourRemoves, opts.isolation);
    if (reason) throw new ConcurrentModificationError(table, readVersion, version, reason);
    version++;
  }
}

async function readWinner(store: ObjectStore, version: number, table: string): Promise<{ text: string; actions: Action[] }> {
  // The winner's put-if-absent is atomic, so the file is complete once visible; retry briefly only
  // for stores whose reads lag a conditional write.
  for (let i = 0; ; i++) {
    try {
      const text = Buffer.from(await store.get(commitKey(version))).toString('utf8');
      return { text, actions: parseCommit(text, { table, version, file: commitKey(version) }) };
    } catch (err) {
      if (i >= 5) throw err;
      await new Promise((r) => setTimeout(r, 50 * (i + 1)));
    }
  }
}

export function conflictReason(winner: Action[], ourRemoves: Set<string>, isolation: ReadScope | undefined): string | undefined {
  for (const a of winner) {
    if ('metaData' in a) return 'the table metadata (schema, partitioning or properties) changed';
    if ('protocol' in a) return 'the table protocol changed';
    if ('remove' in a && ourRemoves.has(decodePath(a.remove.path))) return `file ${a.remove.path} was removed concurrently`;
    if (isolation?.reads) {
      let f: AddFile | RemoveFile | undefined;
      let what = '';
      if ('add' in a) {
        f = a.add;
        what = 'added';
      } else if ('remove' in a && a.remove.dataChange !== false) {
        f = a.remove;
        what = 'removed';
      }
      if (f && isolation.reads({ partitionValues: f.partitionValues ?? {}, stats: f.stats })) {
        return `a concurrent writer ${what} ${f.path} in data this transaction read`;
      }
    }
  }
  return undefined;
}
