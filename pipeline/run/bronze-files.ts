/**
 * Files -> bronze, like Auto Loader: every landing file of the dataset not yet ingested is read
 * by DuckDB straight from the file (stage-files.ts) and appended in its own commit, tagged with txn (appId 'files:<dataset>:<path>'),
 * so a re-run or a retried activity skips what already committed. A file or line that cannot be
 * read lands as a raw row with a parse error; nothing here throws on bad input.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DeltaTable, ObjectInfo, ObjectStore } from '../../lakehouse';
import type { DatasetDeclaration, FileFormat, FilesSource, TaskContext, TaskInput } from '../types';
import { ident, literal } from './sql';
import { addCounts, bronzeSelect, createStage, dateInPath, stagedDateCounts } from './stage';
import { insertStaged, stageTextFile, withLocalFile, type StageFileArgs } from './stage-files';

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
    await createStage(conn, stage, decl, { withDate: true });
    const now = ctx.now?.() ?? new Date();
    const args = { key: info.key, fileDate: dateInPath(info.key), ingestDate: now.toISOString().slice(0, 10) };
    await withLocalFile(store, info.key, (local) =>
      format === 'parquet' ? stageParquet(conn, stage, decl, { ...args, local }) : stageTextFile(conn, stage, decl, format, { ...args, local }),
    );
    const dates = await stagedDateCounts(conn, stage);
    if (parseErrors.length < 20) {
      const errs = await conn.runAndReadAll(`SELECT _parse_error FROM ${ident(stage)} WHERE _parse_error IS NOT NULL ORDER BY _line LIMIT ${20 - parseErrors.length}`);
      for (const r of errs.getRowObjectsJS()) parseErrors.push(String(r._parse_error));
    }
    const result = await table.write(bronzeSelect(decl, stage, `${input.runId}:${info.key}`, now, { stagedDate: true }), {
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
async function stageParquet(conn: DuckDBConnection, stage: string, decl: DatasetDeclaration, a: StageFileArgs): Promise<void> {
  const fileDate = a.fileDate ? literal(a.fileDate) : 'NULL';
  try {
    const scan = `read_parquet(${literal(a.local)}, file_row_number = true)`;
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`);
    const columns = described.getRowObjectsJS().map((r) => String(r.column_name)).filter((c) => c !== 'file_row_number');
    const fields = (decl.sourceFields ?? []).map((f) => f.name);
    const select = fields.map((f) => `${columns.includes(f) ? `CAST(${ident(f)} AS VARCHAR)` : 'NULL::VARCHAR'} AS ${ident(f)}`);
    const rawStruct = `to_json({${columns.map((c) => `${literal(c)}: ${ident(c)}`).join(', ')}})::VARCHAR`;
    await insertStaged(
      conn,
      stage,
      decl,
      `SELECT ${[...select, rawStruct, 'NULL::VARCHAR', `${literal(a.key + ':')} || (file_row_number + 1)`, 'file_row_number + 1', "'parquet'", `${fileDate}::VARCHAR AS _file_date`].join(', ')} FROM ${scan}`,
      a.ingestDate,
    );
  } catch (err) {
    const message = `${a.key}: cannot read Parquet (${(err as Error).message.split('\n')[0]})`;
    await conn.run(`DELETE FROM ${ident(stage)}`);
    const nulls = (decl.sourceFields ?? []).map((f) => `NULL::VARCHAR AS ${ident(f.name)}`);
    await insertStaged(conn, stage, decl, `SELECT ${[...nulls, "''", literal(message), literal(`${a.key}:0`), '0', "'parquet'", `${fileDate}::VARCHAR AS _file_date`].join(', ')}`, a.ingestDate);
  }
}
