/**
 * Snapshot load of a table with many commits and files: our loadSnapshot against delta-rs
 * (DeltaTable(path) + its file list) on the same table, with no checkpoint (replay every JSON
 * commit) and with a checkpoint every 10 commits (the latest one + at most 9 commits). Goal: ours <= 1x.
 *
 * The log is written directly (commit JSON files with `add` actions carrying partition values and
 * stats like ours); the data files do not exist, as loading a snapshot never opens them.
 * The checkpoint is written by our own writeCheckpoint, so delta-rs reading it is also an interop check.
 *
 * Like for like: both sides load the same folder into the set of active add files with their
 * partition values and stats, in a warm process (one untimed load first; imports, process start
 * and DuckDB start not timed), from the OS page cache, with no state kept between loads. Loads
 * alternate ours / delta-rs, so both see the same machine load.
 *
 *   npm run bench -- snapshot-load [--commits 5000] [--files-per-commit 10] [--repeat 7]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import path from 'node:path';
import { loadConfig } from '../config/env';
import { DuckDBCheckpointIO, Engine, loadSnapshot, openStore, writeCheckpoint } from '../lakehouse';
import { arg, benchDir, machineLine, printTable, python, secs } from './lib';

const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'transaction_id', type: 'string', nullable: false, metadata: {} },
    { name: 'amount', type: 'double', nullable: true, metadata: {} },
    { name: 'ts', type: 'timestamp', nullable: true, metadata: {} },
    { name: 'date', type: 'date', nullable: false, metadata: {} },
  ],
});

function pad(v: number): string {
  return String(v).padStart(20, '0');
}

function writeLog(root: string, commits: number, perCommit: number): void {
  const log = path.join(root, '_delta_log');
  fs.mkdirSync(log, { recursive: true });
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  for (let v = 0; v < commits; v++) {
    const ts = t0 + v * 60_000;
    const lines: string[] = [JSON.stringify({ commitInfo: { timestamp: ts, operation: 'WRITE', operationParameters: { mode: 'Append' }, engineInfo: 'financelake-bench' } })];
    if (v === 0) {
      lines.push(JSON.stringify({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }));
      lines.push(JSON.stringify({ metaData: { id: '5b2d6b0e-0000-4000-8000-000000000001', format: { provider: 'parquet', options: {} }, schemaString: SCHEMA, partitionColumns: ['date'], configuration: {}, createdTime: ts } }));
    }
    const date = new Date(t0 + Math.floor(v / 10) * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < perCommit; i++) {
      const id = `${v}-${i}`;
      const stats = { numRecords: 1000, minValues: { transaction_id: `T${id}-a`, amount: 0.01, ts: `${date}T00:00:00.000Z` }, maxValues: { transaction_id: `T${id}-z`, amount: 9999.99, ts: `${date}T23:59:59.999Z` }, nullCount: { transaction_id: 0, amount: 0, ts: 0 } };
      lines.push(JSON.stringify({ add: { path: `date=${date}/part-${id}-c000.zstd.parquet`, partitionValues: { date }, size: 20_000 + i, modificationTime: ts, dataChange: true, stats: JSON.stringify(stats) } }));
    }
    fs.writeFileSync(path.join(log, `${pad(v)}.json`), lines.join('\n') + '\n');
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface PeerLoad {
  ms: number;
  version: number;
  files: number;
}

/** The delta-rs peer: one warm Python process, one load per request. */
function deltaRs(py: string): { load: (root: string) => Promise<PeerLoad>; close: () => void } {
  const child = spawn(py, [path.join(__dirname, 'peers', 'deltars_snapshot.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  return {
    load: (root) =>
      new Promise<PeerLoad>((resolve, reject) => {
        const onExit = (code: number | null): void => reject(new Error(`delta-rs peer exited with ${code}`));
        child.once('exit', onExit);
        waiting.push((line) => {
          child.off('exit', onExit);
          resolve(JSON.parse(line) as PeerLoad);
        });
        child.stdin.write(`${root}\n`);
      }),
    close: () => child.stdin.end(),
  };
}

async function main(): Promise<void> {
  const commits = Number(arg('commits', '5000'));
  const perCommit = Number(arg('files-per-commit', '10'));
  const repeat = Number(arg('repeat', '7'));
  const config = loadConfig();
  const dir = benchDir('snapshot-load');
  console.log(`# snapshot-load: ${commits} commits x ${perCommit} files = ${(commits * perCommit).toLocaleString('en')} files; ${repeat} loads each (best and median), ours and delta-rs alternating`);
  console.log(`# ${machineLine()}`);
  console.log('# timed, ours: loadSnapshot(openStore(path), { io }) + snapshot.files = list _delta_log (from _last_checkpoint on), read the checkpoint (DuckDB), replay the JSON commits after it, the active add files with partition values and stats');
  console.log('# timed, delta-rs: DeltaTable(path) + file_uris() in a warm Python process = the same log read into its state of the active add actions, and the file list out');
  console.log('# not timed: process start, imports, DuckDB start, one warm-up load each; nothing is cached between loads on either side');
  const plain = path.join(dir, 'no-checkpoint');
  const ckpt = path.join(dir, 'with-checkpoint');
  let t = performance.now();
  writeLog(plain, commits, perCommit);
  fs.cpSync(plain, ckpt, { recursive: true });
  const engine = await Engine.create({ memoryLimit: '2GB', threads: 2, extensionDirectory: config.duckdb.extensionDirectory });
  const io = new DuckDBCheckpointIO(engine);
  const ckptVersion = Math.floor((commits - 1) / 10) * 10;
  const ckStore = openStore(ckpt);
  const snapAt = await loadSnapshot(ckStore, { io, version: ckptVersion });
  await writeCheckpoint(ckStore, snapAt, io);
  console.log(`# log written in ${secs(performance.now() - t)} s; checkpoint at version ${ckptVersion} (${snapAt.files.length} files), ${commits - 1 - ckptVersion} commits after it`);

  const rows: (string | number)[][] = [];
  const samples: string[] = [];
  const py = python('deltalake');
  const peer = py ? deltaRs(py) : undefined;
  try {
    for (const [label, root] of [
      ['no checkpoint', plain],
      ['checkpoint every 10', ckpt],
    ] as const) {
      const ours: number[] = [];
      const theirs: number[] = [];
      let files = 0;
      let version = -1;
      let rs: PeerLoad | undefined;
      for (let k = -1; k < repeat; k++) {
        t = performance.now();
        const snap = await loadSnapshot(openStore(root), { io });
        files = snap.files.length;
        version = snap.version;
        const ms = performance.now() - t;
        if (peer) rs = await peer.load(root);
        if (k < 0) continue; // warm-up
        ours.push(ms);
        if (rs) theirs.push(rs.ms);
      }
      samples.push(`# ${label}, every load in ms: ours ${ours.map((x) => x.toFixed(0)).join(' ')}; delta-rs ${theirs.map((x) => x.toFixed(0)).join(' ')}`);
      const r = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
      rows.push([
        label,
        version,
        files,
        secs(Math.min(...ours)),
        secs(median(ours)),
        rs ? secs(Math.min(...theirs)) : '-',
        rs ? secs(median(theirs)) : '-',
        rs ? r(Math.min(...ours), Math.min(...theirs)) : '-',
        rs ? r(median(ours), median(theirs)) : '-',
        rs ? `${rs.version} / ${rs.files}` : '-',
      ]);
    }
  } finally {
    peer?.close();
  }
  console.log();
  printTable(['table', 'version', 'files (ours)', 'ours best s', 'ours median s', 'delta-rs best s', 'delta-rs median s', 'ours / delta-rs (best)', 'ours / delta-rs (median)', 'delta-rs version / files'], rows);
  for (const line of samples) console.log(line);
  console.log('goal: ours / delta-rs <= 1x');
  await engine.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
