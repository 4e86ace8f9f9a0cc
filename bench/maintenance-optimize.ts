/**
 * OPTIMIZE of a table of many small files against delta-rs `optimize.compact()`, like for
 * like: the same table (byte-identical copies), the same 128 MB target, both writing zstd,
 * both timed from a loaded table to the committed compaction. Several rounds, each on fresh
 * copies made before either side is timed, the order alternating (ours first, then delta-rs
 * first), so disk writeback of the copies or a burst of load from elsewhere does not land on
 * one side only; the ratio is of the medians. Each side's CPU seconds over the same span (user +
 * system, every thread: ours from the process, delta-rs from getrusage in its own) are printed
 * with the wall times, as are each side's files and bytes, before and after, and output codec.
 *
 *   npm run bench -- maintenance-optimize [--files 10000] [--rows-per-file 1000] [--rounds 3]
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/env';
import { DeltaTable, Engine } from '../lakehouse';
import { optimize } from '../lakehouse/maintenance';
import { LocalStore } from '../lakehouse/storage/local';
import { arg, benchDir, lastJson, machineLine, python, ratio, runChild, secs } from './lib';

const TARGET = 128 * 1024 * 1024;

/** A Delta table of `files` small Parquet files in one commit, written by pyarrow + a hand-made log (fast to build). */
const MAKE_TABLE = `
import json, os, sys, time, uuid
import pyarrow as pa, pyarrow.parquet as pq
root, files, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(os.path.join(root, '_delta_log'), exist_ok=True)
schema = {'type': 'struct', 'fields': [{'name': n, 'type': t, 'nullable': True, 'metadata': {}} for n, t in [('id', 'long'), ('account', 'long'), ('amount', 'double'), ('memo', 'string')]]}
actions = [{'protocol': {'minReaderVersion': 1, 'minWriterVersion': 2}},
           {'metaData': {'id': str(uuid.uuid4()), 'format': {'provider': 'parquet', 'options': {}}, 'schemaString': json.dumps(schema), 'partitionColumns': [], 'configuration': {}, 'createdTime': int(time.time() * 1000)}}]
now = int(time.time() * 1000)
for f in range(files):
    ids = list(range(f * per, (f + 1) * per))
    t = pa.table({'id': pa.array(ids, pa.int64()), 'account': pa.array([i % 997 for i in ids], pa.int64()),
                  'amount': pa.array([(i % 10007) * 0.25 for i in ids], pa.float64()), 'memo': pa.array(['m%d' % (i % 101) for i in ids])})
    name = 'part-%05d-%s.parquet' % (f, uuid.uuid4())
    pq.write_table(t, os.path.join(root, name))
    stats = {'numRecords': per, 'minValues': {'id': ids[0]}, 'maxValues': {'id': ids[-1]}, 'nullCount': {'id': 0}}
    actions.append({'add': {'path': name, 'partitionValues': {}, 'size': os.path.getsize(os.path.join(root, name)), 'modificationTime': now, 'dataChange': True, 'stats': json.dumps(stats)}})
actions.append({'commitInfo': {'timestamp': now, 'operation': 'WRITE', 'operationParameters': {'mode': 'Append'}}})
with open(os.path.join(root, '_delta_log', '%020d.json' % 0), 'w') as fh:
    fh.write('\\n'.join(json.dumps(a) for a in actions) + '\\n')
print(json.dumps({'files': files, 'rows': files * per}))
`;

/** delta-rs compact, timed like ours: the table is loaded first, the clock covers the compaction and its commit. */
const DELTA_RS_COMPACT = `
import json, resource, sys, time
import pyarrow as pa
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1])
before = pa.table(t.get_add_actions(flatten=True)).to_pydict()
cpu = lambda: (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF))
c0 = cpu()
t0 = time.perf_counter()
m = t.optimize.compact(target_size=${TARGET})
ms = (time.perf_counter() - t0) * 1000
cpuMs = (cpu() - c0) * 1000
t = DeltaTable(sys.argv[1])
after = pa.table(t.get_add_actions(flatten=True)).to_pydict()
print(json.dumps({'ms': ms, 'cpuMs': cpuMs, 'rows': t.to_pyarrow_dataset().count_rows(), 'filesBefore': len(before['path']), 'bytesBefore': sum(before['size_bytes']),
                  'filesAfter': len(after['path']), 'bytesAfter': sum(after['size_bytes']), 'paths': after['path']}))
`;

/** The codec of each output file's columns (pyarrow), to show both sides wrote zstd. */
const CODECS = `
import json, sys
import pyarrow.parquet as pq
print(json.dumps({'codecs': sorted({pq.ParquetFile(p).metadata.row_group(0).column(i).compression for p in sys.argv[1:] for i in range(pq.ParquetFile(p).metadata.num_columns)})}))
`;

interface Side {
  ms: number;
  /** CPU over the timed span, every thread of the side's process. */
  cpuMs: number;
  filesBefore: number;
  filesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  rows: number;
  codecs: string[];
}

async function ours(dir: string, py: string): Promise<Side> {
  const config = loadConfig();
  const engine = await Engine.create({ threads: config.duckdb.threads, memoryLimit: config.duckdb.memoryLimit, tempDirectory: config.duckdb.tempDirectory, extensionDirectory: config.duckdb.extensionDirectory });
  try {
    const table = await DeltaTable.open(new LocalStore(dir), engine, 'bench.small_files');
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await optimize(table, { targetFileSize: TARGET });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const snap = await table.snapshot();
    const { codecs } = lastJson<{ codecs: string[] }>(await runChild(py, ['-c', CODECS, ...snap.files.map((f) => path.join(dir, decodeURIComponent(f.path)))]), 'codecs');
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, filesBefore: r.filesBefore, filesAfter: r.filesAfter, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter, rows: await table.count(), codecs };
  } finally {
    await engine.close();
  }
}

async function deltaRs(dir: string, py: string): Promise<Side> {
  const r = lastJson<Omit<Side, 'codecs'> & { paths: string[] }>(await runChild(py, ['-c', DELTA_RS_COMPACT, dir]), 'delta-rs compact');
  const { codecs } = lastJson<{ codecs: string[] }>(await runChild(py, ['-c', CODECS, ...r.paths.map((p) => (p.startsWith('/') ? p : path.join(dir, decodeURIComponent(p))))]), 'codecs');
  return { ms: r.ms, cpuMs: r.cpuMs, filesBefore: r.filesBefore, filesAfter: r.filesAfter, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter, rows: r.rows, codecs };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;
const load = (): string => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export interface OptimizeBench {
  ours: Side;
  theirs: Side;
  oursMs: number;
  theirsMs: number;
  oursCpuMs: number;
  theirsCpuMs: number;
  rounds: Array<{ ours: number; theirs: number; oursCpu: number; theirsCpu: number; load: string }>;
  /** Kept for the vacuum benchmark: the last round's optimized copy of ours. */
  oursDir: string;
}

export async function optimizeBench(opts: { dir: string; files: number; rowsPerFile: number; rounds: number; py: string }): Promise<OptimizeBench> {
  const pristine = path.join(opts.dir, 'pristine');
  console.error(`building a table of ${opts.files} files x ${opts.rowsPerFile} rows ...`);
  lastJson(await runChild(opts.py, ['-c', MAKE_TABLE, pristine, String(opts.files), String(opts.rowsPerFile)]), 'make table');
  const rounds: OptimizeBench['rounds'] = [];
  let last: { ours: Side; theirs: Side; oursDir: string } | undefined;
  for (let i = 0; i < opts.rounds; i++) {
    const oursDir = path.join(opts.dir, `ours-${i}`);
    const theirsDir = path.join(opts.dir, `delta-rs-${i}`);
    fs.cpSync(pristine, oursDir, { recursive: true });
    fs.cpSync(pristine, theirsDir, { recursive: true });
    let o: Side;
    let t: Side;
    if (i % 2 === 0) {
      o = await ours(oursDir, opts.py);
      t = await deltaRs(theirsDir, opts.py);
    } else {
      t = await deltaRs(theirsDir, opts.py);
      o = await ours(oursDir, opts.py);
    }
    const expected = opts.files * opts.rowsPerFile;
    if (o.rows !== expected || t.rows !== expected) throw new Error(`row counts differ: ours ${o.rows}, delta-rs ${t.rows}, expected ${expected}`);
    rounds.push({ ours: o.ms, theirs: t.ms, oursCpu: o.cpuMs, theirsCpu: t.cpuMs, load: load() });
    console.error(`round ${i + 1}${i % 2 ? ' (delta-rs first)' : ''}: financelake ${secs(o.ms)} s (CPU ${secs(o.cpuMs)} s), delta-rs ${secs(t.ms)} s (CPU ${secs(t.cpuMs)} s), ratio ${ratio(o.ms, t.ms)}, load ${load()}`);
    if (last) for (const d of [last.oursDir, last.oursDir.replace(/ours-(\d+)$/, 'delta-rs-$1')]) fs.rmSync(d, { recursive: true, force: true });
    last = { ours: o, theirs: t, oursDir };
  }
  const describe = (name: string, s: Side) =>
    `${name}: ${s.filesBefore} files ${mb(s.bytesBefore)} -> ${s.filesAfter} file(s) ${mb(s.bytesAfter)}, ${s.rows} rows, codec ${s.codecs.join('/')}`;
  console.error(describe('financelake optimize', last!.ours));
  console.error(describe('delta-rs compact    ', last!.theirs));
  return {
    ours: last!.ours,
    theirs: last!.theirs,
    oursMs: median(rounds.map((r) => r.ours)),
    theirsMs: median(rounds.map((r) => r.theirs)),
    oursCpuMs: median(rounds.map((r) => r.oursCpu)),
    theirsCpuMs: median(rounds.map((r) => r.theirsCpu)),
    rounds,
    oursDir: last!.oursDir,
  };
}

async function main(): Promise<void> {
  const py = python('deltalake');
  if (!py) throw new Error('no python with deltalake: run bash infra/install.sh');
  console.error(machineLine());
  const files = Number(arg('files', '10000'));
  const rowsPerFile = Number(arg('rows-per-file', '1000'));
  const o = await optimizeBench({ dir: benchDir('maintenance-optimize'), files, rowsPerFile, rounds: Number(arg('rounds', '3')), py });
  console.log(
    `optimize ${files} files x ${rowsPerFile} rows, median of ${o.rounds.length}: financelake ${secs(o.oursMs)} s (CPU ${secs(o.oursCpuMs)} s), ` +
      `delta-rs ${secs(o.theirsMs)} s (CPU ${secs(o.theirsCpuMs)} s): ${ratio(o.oursMs, o.theirsMs)} wall, ${ratio(o.oursCpuMs, o.theirsCpuMs)} CPU (goal <= 1x wall)`,
  );
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
