/**
 * Maintenance benchmarks, side by side in one run:
 *  1. OPTIMIZE of a table of many small files (default 10,000 files) against delta-rs
 *     `optimize.compact()` on byte-identical copies, in rounds of alternating order, the ratio
 *     of the medians (goal <= 1x; bench/maintenance-optimize.ts);
 *  2. VACUUM of the files that optimize expired: time and objects listed per second;
 *  3. backup and restore MB/s between the two MinIO servers against a plain recursive copy of
 *     the same folder (bench/maintenance-backup.ts, also runnable alone as `maintenance-backup`).
 *
 *   npm run bench -- maintenance [--files 10000] [--rows-per-file 100] [--rounds 3] [--backup-mb 64] [--skip-s3]
 */
import { loadConfig } from '../config/env';
import { DeltaTable, Engine } from '../lakehouse';
import { vacuum } from '../lakehouse/maintenance';
import { LocalStore } from '../lakehouse/storage/local';
import { arg, benchDir, flag, printTable, python, ratio, secs, timed } from './lib';
import { optimizeBench } from './maintenance-optimize';
import { backupBench } from './maintenance-backup';

const FILES = Number(arg('files', '10000'));
const ROWS_PER_FILE = Number(arg('rows-per-file', '100'));
const ROUNDS = Number(arg('rounds', '3'));

async function localPart(): Promise<string[][]> {
  const py = python('deltalake');
  if (!py) throw new Error('no python with deltalake: run bash infra/install.sh');
  const o = await optimizeBench({ dir: benchDir('maintenance'), files: FILES, rowsPerFile: ROWS_PER_FILE, rounds: ROUNDS, py });
  const config = loadConfig();
  const engine = await Engine.create({ threads: config.duckdb.threads, memoryLimit: config.duckdb.memoryLimit, tempDirectory: config.duckdb.tempDirectory, extensionDirectory: config.duckdb.extensionDirectory });
  try {
    const table = await DeltaTable.open(new LocalStore(o.oursDir), engine, 'bench.small_files');
    const listing = await timed(() => new LocalStore(o.oursDir).list(''));
    const vac = await timed(() => vacuum(table, { retentionHours: 0, force: true, concurrency: 16 }));
    console.error(`vacuum: ${vac.value.files.length} files in ${secs(vac.ms)} s`);
    const did = (s: typeof o.ours) => `${s.filesBefore} -> ${s.filesAfter} file(s), ${(s.bytesAfter / 1024 / 1024).toFixed(1)} MB ${s.codecs.join('/')}`;
    return [
      [`optimize ${FILES} files (${FILES * ROWS_PER_FILE} rows), local disk, median of ${ROUNDS}`, `${secs(o.oursMs)} s: ${did(o.ours)}`, `${secs(o.theirsMs)} s: ${did(o.theirs)} (compact)`, ratio(o.oursMs, o.theirsMs), '<= 1x'],
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
