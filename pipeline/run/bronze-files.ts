/**
 * Files -> bronze, like Auto Loader: every landing file of the dataset not yet ingested is read
 * by DuckDB straight from the file (stage-files.ts) and appended in its own commit, tagged with txn (appId 'files:<dataset>:<path>'),
 * so a re-run or a retried activity skips what already committed. A file or line that cannot be
 * read lands as a raw row with a parse error; nothing here throws on bad input.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaError, mapLimit, StorageError, type CommitResult, type DeltaTable, type ObjectInfo, type ObjectStore } from '../../lakehouse';
import type { DatasetDeclaration, FileFormat, FilesSource, TaskContext, TaskInput } from '../types';
import { ident, literal } from './sql';
import { hasRuleFields, stagingRawTextSpec, type RawTextSpec } from './raw-text';
import { addCounts, bronzeSelect, dateInPath } from './stage';
import { emitWithDate, stageTextFile, withLocalFile, type EmitStaged, type StageFileArgs } from './stage-files';

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
  const rawText = await stagingRawTextSpec(table, decl);
  // Files are read and committed side by side, one connection each, as many as DuckDB has threads:
  // parts of a file's read (line numbering, one output file) run on one thread, so two files fill
  // two cores. Each file is its own blind append with its own txn, so the commits never conflict.
  const width = Math.max(1, Math.min(pending.length, ctx.engine.options.threads ?? 2));
  const extra = await Promise.all(Array.from({ length: width - 1 }, () => ctx.engine.connect()));
  let outcomes: FileOutcome[];
  try {
    for (const c of extra) await c.run("SET TimeZone = 'UTC'");
    // never more files in flight than connections, so one is always free
    const free = [conn, ...extra];
    outcomes = await mapLimit(pending, width, async (file, n) => {
      const c = free.pop()!;
      try {
        ctx.heartbeat({ taskId: input.taskId, file: file.info.key, done: n, of: pending.length });
        return await ingestOne(ctx, input, decl, table, store, c, file, rawText);
      } finally {
        free.push(c);
      }
    });
  } finally {
    for (const c of extra) c.closeSync();
  }
  let rows = 0;
  let committedFiles = 0;
  const parseErrors: string[] = [];
  const rowsByDate: Record<string, number> = {};
  for (const o of outcomes) {
    if (!o.committed) continue;
    addCounts(rowsByDate, o.rowsByDate);
    for (const e of o.parseErrors) if (parseErrors.length < 20) parseErrors.push(e);
    committedFiles++;
    rows += o.rows;
  }
  return {
    rowsIn: rows,
    rowsOut: rows,
    committed: committedFiles > 0,
    tableVersion: await table.version(),
    details: { rowsByDate, filesListed: candidates.length, filesIngested: committedFiles, filesAlreadyIngested: candidates.length - pending.length, ignored, parseErrors },
  };
}

interface FileOutcome {
  committed: boolean;
  rows: number;
  rowsByDate: Record<string, number>;
  parseErrors: string[];
}

/** One landing file into bronze: its rows straight into the table's COPY, in a commit of its own tagged with the file's txn. */
async function ingestOne(
  ctx: TaskContext,
  input: TaskInput,
  decl: DatasetDeclaration,
  table: DeltaTable,
  store: ObjectStore,
  conn: DuckDBConnection,
  { info, format }: { info: ObjectInfo; format: FileFormat },
  rawText: RawTextSpec | undefined,
): Promise<FileOutcome> {
  const now = ctx.now?.() ?? new Date();
  const batchId = `${input.runId}:${info.key}`;
  const args = { key: info.key, fileDate: dateInPath(info.key), ingestDate: now.toISOString().slice(0, 10), rawText };
  let result: CommitResult | undefined;
  // no staged copy of the rows in between
  const write: EmitStaged = async (select) => {
    result = await table.write(bronzeSelect(decl, `(${select})`, batchId, now, { stagedDate: true }), {
      mode: 'append',
      conn,
      txn: { appId: fileAppId(decl.name, info.key), version: FILE_TXN_VERSION },
      operation: 'WRITE',
      operationParameters: { source: info.key, format, runId: input.runId },
    });
  };
  await withLocalFile(store, info.key, (local) =>
    format === 'parquet' ? stageParquet(conn, decl, { ...args, local }, write) : stageTextFile(conn, decl, format, { ...args, local }, write),
  );
  const out: FileOutcome = { committed: result?.committed === true, rows: 0, rowsByDate: {}, parseErrors: [] };
  if (!result?.committed) return out;
  // what the commit fed, read back from its own files (the batch id is in their stats, so only they are scanned)
  const batch = `_batch_id = ${literal(batchId)}`;
  const counts = await table.query<{ d: string; n: number; errors: string[] }>(
    `SELECT CAST(_date AS VARCHAR) AS d, count(*) AS n, list(_parse_error ORDER BY _line) FILTER (WHERE _parse_error IS NOT NULL)[1:20] AS errors
     FROM {{table}} WHERE ${batch} GROUP BY d ORDER BY d`,
    { version: result.version, predicate: batch },
  );
  for (const c of counts) {
    addCounts(out.rowsByDate, { [c.d]: Number(c.n) });
    out.parseErrors.push(...(c.errors ?? []).map(String));
  }
  out.rows = result.metrics.numOutputRows;
  return out;
}

/**
 * Parquet through DuckDB, every column cast to text and the record kept as JSON. A file DuckDB
 * cannot read (truncated, not Parquet) becomes one raw row carrying the error.
 */
async function stageParquet(conn: DuckDBConnection, decl: DatasetDeclaration, a: StageFileArgs, emit: EmitStaged): Promise<void> {
  const fileDate = a.fileDate ? literal(a.fileDate) : 'NULL';
  let select: string;
  try {
    const scan = `read_parquet(${literal(a.local)}, file_row_number = true)`;
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`);
    const columns = described.getRowObjectsJS().map((r) => String(r.column_name)).filter((c) => c !== 'file_row_number');
    const fields = (decl.sourceFields ?? []).map((f) => f.name);
    const cols = fields.map((f) => `${columns.includes(f) ? `CAST(${ident(f)} AS VARCHAR)` : 'NULL::VARCHAR'} AS ${ident(f)}`);
    // a file of exactly the declared columns: its rows are their fields (rawTextSql gives the JSON back)
    const rawStruct = hasRuleFields(a.rawText, columns) ? 'NULL::VARCHAR' : `to_json({${columns.map((c) => `${literal(c)}: ${ident(c)}`).join(', ')}})::VARCHAR`;
    select = `SELECT ${[...cols, `${rawStruct} AS _raw`, 'NULL::VARCHAR AS _parse_error', `${literal(a.key + ':')} || (file_row_number + 1) AS _source`, 'file_row_number + 1 AS _line', "'parquet' AS _format", `${fileDate}::VARCHAR AS _file_date`].join(', ')} FROM ${scan}`;
  } catch (err) {
    return emitUnreadable(decl, a, err, emit);
  }
  try {
    await emitWithDate(emit, decl, select, a.ingestDate);
  } catch (err) {
    // a file whose footer reads but whose data does not: the COPY failed, nothing was committed.
    // Errors of the commit or the store are not the file's fault: they propagate (retryable).
    if (err instanceof DeltaError || err instanceof StorageError || !(err as Error).message.includes(a.local)) throw err;
    await emitUnreadable(decl, a, err, emit);
  }
}

/** A Parquet file DuckDB cannot read becomes one raw row carrying the error. */
function emitUnreadable(decl: DatasetDeclaration, a: StageFileArgs, err: unknown, emit: EmitStaged): Promise<void> {
  const fileDate = a.fileDate ? literal(a.fileDate) : 'NULL';
  const message = `${a.key}: cannot read Parquet (${(err as Error).message.split('\n')[0]})`;
  const nulls = (decl.sourceFields ?? []).map((f) => `NULL::VARCHAR AS ${ident(f.name)}`);
  return emitWithDate(emit, decl, `SELECT ${[...nulls, "'' AS _raw", `${literal(message)} AS _parse_error`, `${literal(`${a.key}:0`)} AS _source`, '0 AS _line', "'parquet' AS _format", `${fileDate}::VARCHAR AS _file_date`].join(', ')}`, a.ingestDate);
}
