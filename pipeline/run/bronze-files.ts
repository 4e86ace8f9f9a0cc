/**
 * Files -> bronze, like Auto Loader: every landing file of the dataset not yet ingested is read
 * as raw text and appended in its own commit, tagged with txn (appId 'files:<dataset>:<path>'),
 * so a re-run or a retried activity skips what already committed. A file or line that cannot be
 * read lands as a raw row with a parse error; nothing here throws on bad input.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DeltaTable, ObjectInfo, ObjectStore } from '../../lakehouse';
import type { DatasetDeclaration, FileFormat, FilesSource, TaskContext, TaskInput } from '../types';
import { parseCsv, parseJsonLines, type RawRecord } from './raw-records';
import { ident, literal } from './sql';
import { addCounts, appendToStage, bronzeSelect, createStage, dateInPath, stagedDates } from './stage';

export const FILE_TXN_VERSION = 1;

export function fileAppId(dataset: string, key: string): string {
  return `files:${dataset}:${key}`;
}

export function formatOf(key: string): FileFormat | undefined {
  const k = key.toLowerCase();
  if (k.endsWith('.csv')) return 'csv';
  if (k.endsWith('.jsonl') || k.endsWith('.ndjson') || k.endsWith('.json')) return 'jsonl';
  if (k.endsWith('.parquet')) return 'parquet';
  return undefined;
}

export interface BronzeOutcome {
  rowsIn: number;
  rowsOut: number;
  committed: boolean;
  tableVersion: number;
  details: Record<string, unknown>;
}

export async function ingestFiles(
  ctx: TaskContext,
  input: TaskInput,
  decl: DatasetDeclaration,
  source: Omit<FilesSource, 'kind'>,
  table: DeltaTable,
  store: ObjectStore,
  conn: DuckDBConnection,
): Promise<BronzeOutcome> {
  const prefix = source.pattern.replace(/^\/+/, '');
  const listed = await store.list(prefix);
  const candidates: { info: ObjectInfo; format: FileFormat }[] = [];
  const ignored: string[] = [];
  for (const info of listed) {
    const format = formatOf(info.key);
    if (format && source.formats.includes(format)) candidates.push({ info, format });
    else ignored.push(info.key);
  }
  const done = (await table.snapshot()).txns;
  const pending = candidates.filter((c) => done.get(fileAppId(decl.name, c.info.key)) === undefined);
  let rows = 0;
  let committedFiles = 0;
  const parseErrors: string[] = [];
  const rowsByDate: Record<string, number> = {};
  const stage = `stage_${decl.name}`;
  for (const [n, { info, format }] of pending.entries()) {
    ctx.heartbeat({ taskId: input.taskId, file: info.key, done: n, of: pending.length });
    await createStage(conn, stage, decl);
    const fileDate = dateInPath(info.key);
    const meta = { source: (r: RawRecord) => `${info.key}:${r.line}`, format, fileDate };
    if (format === 'parquet') {
      const err = await stageParquet(conn, stage, decl, store, info.key, fileDate);
      if (err) parseErrors.push(err);
    } else {
      const text = new TextDecoder('utf-8').decode(await store.get(info.key));
      const records = format === 'csv' ? parseCsv(text, info.key) : parseJsonLines(text, info.key);
      await appendToStage(conn, stage, decl, records, meta);
      for (const r of records) if (r.parseError && parseErrors.length < 20) parseErrors.push(r.parseError);
    }
    const now = ctx.now?.() ?? new Date();
    const dates = await stagedDates(conn, stage, decl, now);
    const result = await table.write(bronzeSelect(decl, stage, `${input.runId}:${info.key}`, now), {
      mode: 'append',
      conn,
      txn: { appId: fileAppId(decl.name, info.key), version: FILE_TXN_VERSION },
      operation: 'WRITE',
      operationParameters: { source: info.key, format, runId: input.runId },
    });
    if (result.committed) {
      addCounts(rowsByDate, dates);
      committedFiles++;
      rows += result.metrics.numOutputRows;
    }
  }
  await conn.run(`DROP TABLE IF EXISTS ${ident(stage)}`);
  return {
    rowsIn: rows,
    rowsOut: rows,
    committed: committedFiles > 0,
    tableVersion: await table.version(),
    details: { rowsByDate, filesListed: candidates.length, filesIngested: committedFiles, filesAlreadyIngested: candidates.length - pending.length, ignored, parseErrors },
  };
}

/**
 * Parquet through DuckDB, every column cast to text and the record kept as JSON. A file DuckDB
 * cannot read (truncated, not Parquet) becomes one raw row carrying the error.
 */
async function stageParquet(
  conn: DuckDBConnection,
  stage: string,
  decl: DatasetDeclaration,
  store: ObjectStore,
  key: string,
  fileDate: string | undefined,
): Promise<string | undefined> {
  let local = store.directPath(key);
  let tmpDir: string | undefined;
  if (!local || !path.isAbsolute(local)) {
    tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'financelake-bronze-'));
    local = path.join(tmpDir, 'file.parquet');
    await store.getFile(key, local);
  }
  try {
    const scan = `read_parquet(${literal(local)}, file_row_number = true)`;
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`);
    const columns = described.getRowObjectsJS().map((r) => String(r.column_name)).filter((c) => c !== 'file_row_number');
    const fields = (decl.sourceFields ?? []).map((f) => f.name);
    const select = fields.map((f) => (columns.includes(f) ? `CAST(${ident(f)} AS VARCHAR)` : 'NULL'));
    const rawStruct = `to_json({${columns.map((c) => `${literal(c)}: ${ident(c)}`).join(', ')}})::VARCHAR`;
    await conn.run(
      `INSERT INTO ${ident(stage)} SELECT ${[...select, rawStruct, 'NULL', `${literal(key + ':')} || (file_row_number + 1)`, 'file_row_number + 1', "'parquet'", fileDate ? literal(fileDate) : 'NULL'].join(', ')} FROM ${scan}`,
    );
    return undefined;
  } catch (err) {
    const message = `${key}: cannot read Parquet (${(err as Error).message.split('\n')[0]})`;
    await conn.run(`DELETE FROM ${ident(stage)}`);
    await appendToStage(conn, stage, decl, [{ fields: {}, raw: '', line: 0, parseError: message }], { source: () => `${key}:0`, format: 'parquet', fileDate });
    return message;
  } finally {
    if (tmpDir) await fs.rm(tmpDir, { recursive: true, force: true });
  }
}
