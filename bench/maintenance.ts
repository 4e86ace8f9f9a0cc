/**
 * Maintenance benchmarks, side by side in one run:
 *  1. OPTIMIZE of a table of many small files (default 10,000 files) against delta-rs
 *     `optimize.compact()` on a byte-identical copy (goal <= 1x);
 *  2. VACUUM of the files that optimize expired: time and objects listed per second;
 *  3. backup and restore MB/s between the two MinIO servers against a plain recursive copy of
 *     the same folder (bench/maintenance-backup.ts, also runnable alone as `maintenance-backup`).
 *
 *   npm run bench -- maintenance [--files 10000] [--rows-per-file 100] [--backup-mb 64] [--skip-s3]
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/env';
import { DeltaTable, Engine } from '../lakehouse';
import { optimize, vacuum } from '../lakehouse/maintenance';
import { LocalStore } from '../lakehouse/storage/local';
import { arg, benchDir, flag, lastJson, printTable, python, ratio, runChild, secs, timed } from './lib';
import { backupBench } from './maintenance-backup';

const FILES = Number(arg('files', '10000'));
const ROWS_PER_FILE = Number(arg('rows-per-file', '100'));

/** A Delta table of FILES small Parquet files in one commit, written by pyarrow + a hand-made log (fast to build). */
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

const DELTA_RS_COMPACT = `
import json, sys, time
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1])
t0 = time.perf_counter()
m = t.optimize.compact(target_size=128 * 1024 * 1024)
ms = (time.perf_counter() - t0) * 1000
t = DeltaTable(sys.argv[1])
print(json.dumps({'ms': ms, 'filesAdded': m.get('numFilesAdded'), 'filesRemoved': m.get('numFilesRemoved'), 'rows': t.to_pyarrow_dataset().count_rows(), 'files': len(t.file_uris())}))
`;

async function localPart(): Promise<string[][]> {
  const py = python('deltalake');
  if (!py) throw new Error('no python with deltalake: run bash infra/install.sh');
  const dir = benchDir('maintenance');
  const ours = path.join(dir, 'ours');
  const theirs = path.join(dir, 'delta-rs');
  console.error(`building a table of ${FILES} files x ${ROWS_PER_FILE} rows ...`);
  lastJson(await runChild(py, ['-c', MAKE_TABLE, ours, String(FILES), String(ROWS_PER_FILE)]), 'make table');
  fs.cpSync(ours, theirs, { recursive: true });

  const config = loadConfig();
  const engine = await Engine.create({ threads: config.duckdb.threads, memoryLimit: config.duckdb.memoryLimit, tempDirectory: config.duckdb.tempDirectory, extensionDirectory: config.duckdb.extensionDirectory });
  try {
    const table = await DeltaTable.open(new LocalStore(ours), engine, 'bench.small_files');
    const opt = await timed(() => optimize(table, { targetFileSize: 128 * 1024 * 1024 }));
    const rowsOurs = await table.count();
    console.error(`financelake optimize: ${secs(opt.ms)} s, ${opt.value.filesBefore} -> ${opt.value.filesAfter} files`);
    const rs = await runChild(py, ['-c', DELTA_RS_COMPACT, theirs]);
    const r = lastJson<{ ms: number; rows: number; files: number }>(rs, 'delta-rs compact');
    console.error(`delta-rs compact: ${secs(r.ms)} s, -> ${r.files} files`);
    if (rowsOurs !== r.rows || rowsOurs !== FILES * ROWS_PER_FILE) throw new Error(`row counts differ: ours ${rowsOurs}, delta-rs ${r.rows}, expected ${FILES * ROWS_PER_FILE}`);

    const store = new LocalStore(ours);
    const listing = await timed(() => store.list(''));
    const vac = await timed(() => vacuum(table, { retentionHours: 0, force: true, concurrency: 16 }));
    console.error(`vacuum: ${vac.value.files.length} files in ${secs(vac.ms)} s`);
    return [
      [`optimize ${FILES} files (${FILES * ROWS_PER_FILE} rows), local disk`, `${secs(opt.ms)} s -> ${opt.value.filesAfter} file(s)`, `${secs(r.ms)} s -> ${r.files} file(s) (compact)`, ratio(opt.ms, r.ms), '<= 1x'],
      [`vacuum ${vac.value.files.length} expired files, local disk`, `${secs(vac.ms)} s; list ${Math.round(listing.value.length / (listing.ms / 1000))} objects/s`, '-', '-', '-'],
    ];
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const rows = await localPart();
  if (!flag('skip-s3')) rows.push(...(await backupBench()));
  printTable(['benchmark', 'financelake', 'reference', 'ratio', 'goal'], rows);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
