/**
 * Bronze -> silver for one date, the same for every source dataset:
 *   1. batch: every bronze row whose business date is D (late arrivals included), numbered;
 *   2. typing: standardise each raw field, TRY_CAST it; a value that does not cast is a failure
 *      naming the field (rows that could not be parsed at all carry their parse error);
 *   3. the declaration's silver SQL (enrichment joins) over the typed rows;
 *   4. duplicates on the business keys, within the batch and against earlier dates in silver;
 *   5. the quality suite (quality/evaluate), JSON Schema for JSON-borne records;
 *   6. passed rows replace partition D; failures go to silver.quarantine; metrics recorded.
 * Invariant, checked before anything is written: rows in = passed + quarantined + duplicates.
 */
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType, type Field } from '../../lakehouse';
import {
  evaluate,
  recordMetrics,
  recordQuarantine,
  validateJsonRecords,
  writeReport,
  type ExpectationOutcome,
  type QualitySuite,
} from '../../quality';
import { QualityFailure, SchemaMismatch } from '../errors';
import type { DatasetDeclaration, TaskContext, TaskInput } from '../types';
import { registerRead } from './reads';
import { addDays, dateLiteral, fillTemplate, ident, literal, trimSql } from './sql';
import { rawTextSql, readingRawTextSpec, type RawTextSpec } from './raw-text';
import { ensureTable } from './tables';

export class InvariantViolation extends Error {
  constructor(dataset: string, date: string, counts: { rowsIn: number; passed: number; quarantined: number; duplicates: number }) {
    super(
      `invariant broken for ${dataset} ${date}: rows in ${counts.rowsIn} <> passed ${counts.passed} + quarantined ${counts.quarantined} + duplicates ${counts.duplicates}`,
    );
    this.name = 'InvariantViolation';
  }
}

export interface SilverOutcome {
  rowsIn: number;
  passed: number;
  quarantined: number;
  duplicates: number;
  tableVersion: number;
  committed: boolean;
  outcomes: ExpectationOutcome[];
  qualityReport?: string;
  details: Record<string, unknown>;
}

/**
 * A field's value before the cast: the declaration's standardisation, else the raw text (trimmed
 * unless a string). Its `trim({{value}})` takes the cheap form of the same trim.
 */
function standardized(decl: DatasetDeclaration, f: Field): string {
  const tpl = decl.standardize?.[f.name];
  const raw = ident(f.name);
  if (tpl) return `(${tpl.split('trim({{value}})').join(trimSql(raw)).split('{{value}}').join(raw)})`;
  return f.type === 'string' ? raw : trimSql(raw);
}

function typingSql(decl: DatasetDeclaration, date: string, batch: string, rawText: RawTextSpec): string {
  const dateCol = decl.dateColumn ?? 'date';
  const cols: string[] = [];
  const errors: string[] = [];
  for (const f of decl.sourceFields ?? []) {
    const value = standardized(decl, f);
    const cast = f.type === 'string' ? value : `TRY_CAST(${value} AS ${duckdbType(f.type)})`;
    // the partition column is D by construction of the batch (bronze _date)
    cols.push(`${f.name === dateCol ? dateLiteral(date) : cast} AS ${ident(f.name)}`);
    if (f.type !== 'string') {
      // nested CASEs: DuckDB evaluates both sides of an AND on every row, a CASE branch only where it applies
      errors.push(
        `CASE WHEN ${cast} IS NULL AND ${value} IS NOT NULL THEN CASE WHEN ${value} <> '' ` +
          `THEN ${literal(`${f.name}: `)} || '''' || left(${ident(f.name)}, 80) || '''' || ${literal(` is not a valid ${f.type}`)} END END`,
      );
    }
  }
  if (!(decl.sourceFields ?? []).some((f) => f.name === dateCol)) cols.push(`${dateLiteral(date)} AS ${ident(dateCol)}`);
  const errList = errors.length ? `list_filter([${errors.join(', ')}], x -> x IS NOT NULL)` : 'CAST([] AS VARCHAR[])';
  // _source stays in s_batch: only the quarantine needs it, and it joins s_batch back.
  // _raw is the record text (rebuilt where bronze did not store it): computed only where read (JSON Schema)
  return `SELECT _row_id, ${rawTextSql(rawText, batch)} AS _raw, _parse_error, _format, ${cols.join(', ')}, ${errList} AS _cast_errors FROM ${batch}`;
}

async function scalar(conn: DuckDBConnection, sql: string): Promise<number> {
  const r = await conn.runAndReadAll(sql);
  return Number(r.getRowsJS()[0]?.[0] ?? 0);
}

async function columnsOf(conn: DuckDBConnection, relation: string): Promise<Map<string, string>> {
  const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  return new Map(r.getRowObjectsJS().map((row) => [String(row.column_name), String(row.column_type)]));
}

/** Outcome rows for the checks silver makes before the suite (parse, cast, JSON Schema), for metrics and the report. */
async function preOutcomes(conn: DuckDBConnection, evaluated: number): Promise<ExpectationOutcome[]> {
  const r = await conn.runAndReadAll(`SELECT rule, count(*) AS n, any_value(message) AS sample FROM s_pre GROUP BY rule ORDER BY rule`);
  return r.getRowObjectsJS().map((row) => {
    const failed = Number(row.n);
    return {
      expectation: String(row.rule),
      rule: String(row.rule).startsWith('cast_') ? 'type_cast' : String(row.rule),
      severity: 'drop' as const,
      evaluated,
      failed,
      failureFraction: evaluated ? failed / evaluated : 0,
      outcome: 'dropped' as const,
      sample: [{ message: row.sample }],
      message: String(row.sample),
    };
  });
}

/**
 * Steps 2-3 over the numbered raw rows in temp table `s_batch`: typing as view `s_typed`, the
 * references registered as views, the declaration's transform into `s_rows` (one row per
 * readable input), and the failures found before the suite into `s_pre` / `s_pre_rows`.
 * Shared by the silver run and the quarantine replay.
 */
export async function typeBatch(
  ctx: TaskContext,
  decl: DatasetDeclaration,
  date: string,
  conn: DuckDBConnection,
  rawText: RawTextSpec,
): Promise<{ refs: Record<string, string>; readVersions: Record<string, number>; suite: QualitySuite }> {
  const bronzeId = `bronze.${decl.name}`;
  // a view, not a copy of the batch: the transform materialises the typed rows once (s_rows), and the
  // other readers (counts, cast errors, JSON Schema) need only a few of its columns
  await conn.run(`CREATE OR REPLACE TEMP VIEW s_typed AS ${typingSql(decl, date, 's_batch', rawText)}`);
  const refs: Record<string, string> = {};
  const readVersions: Record<string, number> = {};
  const referenced = new Set(decl.reads.filter((r) => r !== bronzeId));
  for (const e of decl.quality?.expectations ?? []) if (e.rule === 'foreign_key') referenced.add(e.reference);
  for (const r of referenced) {
    const reg = await registerRead(ctx.warehouse, conn, r, decl.readSpecs?.[r] ?? { mode: 'asof' }, date);
    refs[r] = reg.view;
    readVersions[r] = reg.version;
  }
  await conn.run('CREATE OR REPLACE TEMP VIEW s_typed_ok AS SELECT * FROM s_typed WHERE _parse_error IS NULL');
  const schemaCols = decl.schema.map((f) => ident(f.name)).join(', ');
  const transform = decl.transformSql?.silver
    ? fillTemplate(decl.transformSql.silver, { typed: 's_typed_ok', date: dateLiteral(date), ...refs }, `silver SQL of ${decl.name}`)
    : `SELECT _row_id, ${schemaCols} FROM s_typed_ok`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE s_rows AS ${transform}`);
  const rowCols = await columnsOf(conn, 's_rows');
  const missing = ['_row_id', ...decl.schema.map((f) => f.name)].filter((c) => !rowCols.has(c));
  if (missing.length) throw new SchemaMismatch(`silver.${decl.name}`, `the silver SQL does not produce ${missing.join(', ')}`);
  // one row per input: equal counts and equal sums of hashed ids (a dropped and a doubled row would
  // have to hash to the same sum) — two streaming aggregates instead of a DISTINCT over the batch
  const idSums = `count(*)::VARCHAR || ':' || coalesce(sum(hash(_row_id)::HUGEINT), 0)::VARCHAR`;
  const [got, want] = [
    (await conn.runAndReadAll(`SELECT ${idSums} FROM s_rows`)).getRowsJS()[0]?.[0],
    (await conn.runAndReadAll(`SELECT ${idSums} FROM s_typed_ok`)).getRowsJS()[0]?.[0],
  ];
  if (got !== want) {
    const [nRows, nDistinct, nOk] = [
      await scalar(conn, 'SELECT count(*) FROM s_rows'),
      await scalar(conn, 'SELECT count(DISTINCT _row_id) FROM s_rows'),
      await scalar(conn, 'SELECT count(*) FROM s_typed_ok'),
    ];
    throw new SchemaMismatch(`silver.${decl.name}`, `the silver SQL must yield one row per input row (got ${nRows} rows, ${nDistinct} distinct, for ${nOk} inputs)`);
  }
  // failures found before the suite: unparseable rows, values that do not cast, JSON Schema
  await conn.run(`CREATE OR REPLACE TEMP TABLE s_pre (_row_id BIGINT, rule VARCHAR, message VARCHAR)`);
  await conn.run(`INSERT INTO s_pre SELECT _row_id, 'parse', _parse_error FROM s_typed WHERE _parse_error IS NOT NULL`);
  await conn.run(
    `INSERT INTO s_pre SELECT _row_id, 'cast_' || split_part(m, ':', 1), m FROM (SELECT _row_id, unnest(_cast_errors) AS m FROM s_typed WHERE _parse_error IS NULL)`,
  );
  const suite: QualitySuite = decl.quality ?? { dataset: decl.name, expectations: [] };
  if (suite.jsonSchema) await checkJsonSchema(conn, suite);
  await conn.run(`CREATE OR REPLACE TEMP TABLE s_pre_rows AS SELECT DISTINCT _row_id FROM s_pre`);
  return { refs, readVersions, suite };
}

/** Bronze columns the batch no longer needs once numbered (selected by _date, ordered by the rest): not copied into it. */
const SPENT = '_line, _batch_id, _ingested_at, _date, _ingest_date';

/** Ids stay below 2^53, so JavaScript (the JSON Schema check, replay) reads them exactly as numbers. */
const ID_BITS = 53;

/**
 * Materialises `s_batch`: the rows of view `s_bronze`, each with a `_row_id` that is unique and
 * follows delivery order (ingest time, batch, then the file or topic-partition, then the line or
 * offset), so "first delivered wins" in dedup and a re-run numbers the rows the same way.
 * A row's `_source` is its unit (file path, or topic/partition) followed by its line or offset;
 * the id is the unit's rank shifted above the line's bits. Ranking the few units and joining them
 * back avoids sorting the whole wide batch, which a row_number() over the four columns would do.
 */
export async function numberBatch(conn: DuckDBConnection, idBits = ID_BITS): Promise<'ranked' | 'sorted'> {
  const unit = `left(_source, length(_source) - length(CAST(_line AS VARCHAR)) - 1)`;
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE s_units AS
     SELECT _ingested_at, _batch_id, _unit, row_number() OVER (ORDER BY _ingested_at, _batch_id, _unit) AS _rank, min_line, max_line
     FROM (SELECT _ingested_at, _batch_id, ${unit} AS _unit, min(_line) AS min_line, max(_line) AS max_line FROM s_bronze GROUP BY ALL)`,
  );
  // a NULL key would not join: such rows (never written by bronze, but a table is data) take the sorting path
  const u = (
    await conn.runAndReadAll(
      `SELECT coalesce(max(_rank), 0)::DOUBLE AS ranks, coalesce(max(max_line), 0)::DOUBLE AS max_line,
              coalesce(min(min_line) >= 0 AND bool_and(_ingested_at IS NOT NULL AND _batch_id IS NOT NULL AND _unit IS NOT NULL), true) AS keyed,
              count(*) = count(DISTINCT (_ingested_at, _batch_id)) AS unit_per_batch
       FROM s_units`,
    )
  ).getRowObjectsJS()[0]!;
  const lineBits = Math.max(1, Math.ceil(Math.log2(Number(u.max_line) + 1)));
  const fits = u.keyed === true && Number(u.ranks) < 2 ** (idBits - lineBits);
  // files: one unit per batch, so the batch alone finds the rank and no row computes its unit
  const [rows, keys] = u.unit_per_batch === true ? ['s_bronze', '_ingested_at, _batch_id'] : [`(SELECT *, ${unit} AS _unit FROM s_bronze)`, '_ingested_at, _batch_id, _unit'];
  await conn.run(
    fits
      ? `CREATE OR REPLACE TEMP TABLE s_batch AS
         SELECT (CAST(u._rank AS BIGINT) << ${lineBits}) + b._line AS _row_id, b.* EXCLUDE (${u.unit_per_batch === true ? '' : '_unit, '}${SPENT})
         FROM ${rows} b JOIN (SELECT * EXCLUDE (min_line, max_line) FROM s_units) u USING (${keys})`
      : // more units than the id's bits hold: number by sorting instead (slower, same order)
        `CREATE OR REPLACE TEMP TABLE s_batch AS
         SELECT CAST(row_number() OVER (ORDER BY _ingested_at, _batch_id, ${unit}, _line) AS BIGINT) AS _row_id, * EXCLUDE (${SPENT}) FROM s_bronze`,
  );
  await conn.run('DROP TABLE s_units');
  return fits ? 'ranked' : 'sorted';
}

/**
 * The batch's range of the first key column, as a predicate on stored silver rows: only rows in
 * it can be duplicates, and file stats skip the rest (ids that grow with time, like
 * `T<yyyymmdd>-…`, leave the last day or two of a table that holds years). Strings and integers only;
 * undefined when the batch has no keys or the type has no range we write as a literal.
 */
async function keyRange(conn: DuckDBConnection, decl: DatasetDeclaration, key: string, candidates: string): Promise<{ predicate: string; sql: string } | undefined> {
  const type = decl.schema.find((f) => f.name === key)?.type;
  const numeric = type === 'long' || type === 'integer' || type === 'short' || type === 'byte';
  if (type !== 'string' && !numeric) return undefined;
  const r = (await conn.runAndReadAll(`SELECT min(${ident(key)})::VARCHAR AS lo, max(${ident(key)})::VARCHAR AS hi FROM (${candidates})`)).getRowObjectsJS()[0];
  if (r?.lo === null || r?.lo === undefined || r.hi === null || r.hi === undefined) return undefined;
  const lit = (v: unknown) => (numeric ? String(BigInt(String(v))) : literal(String(v)));
  const col = ident(key);
  return { predicate: `${col} >= ${lit(r.lo)} AND ${col} <= ${lit(r.hi)}`, sql: `${col} BETWEEN ${lit(r.lo)} AND ${lit(r.hi)}` };
}

/** Registers view `s_bronze`: the bronze rows whose business date is D (a partition of bronze; tables made before it was one prune by file stats). */
export async function registerBronzeDate(ctx: TaskContext, decl: DatasetDeclaration, date: string, conn: DuckDBConnection): Promise<{ version: number; rawText: RawTextSpec }> {
  const table = await ensureTable(ctx.warehouse, `bronze.${decl.name}`);
  const version = await table.version();
  await table.registerView(conn, 's_bronze_scan', { version, predicate: `_date = ${literal(date)}` });
  await conn.run(`CREATE OR REPLACE TEMP VIEW s_bronze AS SELECT * FROM s_bronze_scan WHERE _date = ${dateLiteral(date)}`);
  return { version, rawText: await readingRawTextSpec(table, decl) };
}

export async function runSilver(ctx: TaskContext, input: TaskInput, decl: DatasetDeclaration, conn: DuckDBConnection): Promise<SilverOutcome> {
  const { date } = input;
  const dateCol = decl.dateColumn ?? 'date';
  const bronzeId = `bronze.${decl.name}`;
  const silver = await ensureTable(ctx.warehouse, `silver.${decl.name}`);

  // 1. the batch: bronze rows of business date D, numbered in delivery order
  const bronze = await registerBronzeDate(ctx, decl, date, conn);
  await numberBatch(conn);
  const rowsIn = await scalar(conn, 'SELECT count(*) FROM s_batch');
  ctx.heartbeat({ taskId: input.taskId, stage: 'typing', rowsIn });

  // 2.-3. typing, references, the declaration's transform, and the checks before the suite
  const { refs, readVersions, suite } = await typeBatch(ctx, decl, date, conn, bronze.rawText);
  readVersions[bronzeId] = bronze.version;

  // 4. duplicates on the business keys: later copies within the batch, and keys already in silver for an earlier date
  const keys = decl.keys ?? [];
  await conn.run('CREATE OR REPLACE TEMP TABLE s_dups (_row_id BIGINT)');
  let existingView: string | undefined;
  if (keys.length) {
    const keyList = keys.map(ident).join(', ');
    const candidates = `SELECT * FROM s_rows WHERE _row_id NOT IN (SELECT _row_id FROM s_pre_rows) AND ${keys.map((k) => `${ident(k)} IS NOT NULL`).join(' AND ')}`;
    await conn.run(
      `INSERT INTO s_dups SELECT _row_id FROM (SELECT _row_id, row_number() OVER (PARTITION BY ${keyList} ORDER BY _row_id) AS rn FROM (${candidates})) WHERE rn > 1`,
    );
    if (!keys.includes(dateCol)) {
      // first occurrence wins by business date: re-running an earlier date never loses its rows to a later one
      const range = await keyRange(conn, decl, keys[0], candidates);
      await silver.registerView(conn, 's_existing_scan', { predicate: `${dateCol} < ${literal(date)}${range ? ` AND ${range.predicate}` : ''}` });
      // read once, for the dedup here and the suite's unique rules: only the columns they compare
      const compared = new Set([...keys, ...suite.expectations.flatMap((e) => (e.rule === 'unique' ? e.columns : []))]);
      const cols = decl.schema.filter((f) => compared.has(f.name)).map((f) => ident(f.name));
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE s_existing AS SELECT ${cols.join(', ')} FROM s_existing_scan WHERE ${ident(dateCol)} < ${dateLiteral(date)}${range ? ` AND ${range.sql}` : ''}`,
      );
      existingView = 's_existing';
      await conn.run(
        `INSERT INTO s_dups SELECT c._row_id FROM (${candidates}) c WHERE c._row_id NOT IN (SELECT _row_id FROM s_dups)
           AND EXISTS (SELECT 1 FROM s_existing e WHERE ${keys.map((k) => `e.${ident(k)} = c.${ident(k)}`).join(' AND ')})`,
      );
    }
  }
  const duplicates = await scalar(conn, 'SELECT count(*) FROM s_dups');

  // 5. the suite over everything readable that is not a duplicate
  // the suite reads s_rows itself: deleting the duplicates marks them, where a filtered copy would rewrite the batch
  if (duplicates > 0) await conn.run('DELETE FROM s_rows WHERE _row_id IN (SELECT _row_id FROM s_dups)');
  ctx.heartbeat({ taskId: input.taskId, stage: 'quality', rowsIn });
  await conn.run(`CREATE OR REPLACE TEMP VIEW s_raw AS SELECT _row_id, ${rawTextSql(bronze.rawText)} AS _raw, _source FROM s_batch`);
  const result = await evaluate({
    conn,
    suite,
    batchView: 's_rows',
    // the records as they arrived (s_raw over s_batch): joined on for failing and sample rows only
    rawView: 's_raw',
    existingView,
    referenceViews: refs,
    // freshness is judged at the end of the partition day, so backfills are judged like live runs
    now: new Date(Date.parse(`${addDays(date, 1)}T00:00:00Z`)),
    viewPrefix: `q_${decl.name}`,
  });
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE s_fail AS
     WITH f AS (
       SELECT 0 AS _k, _row_id, list(rule ORDER BY rule) AS rules, list(message ORDER BY rule) AS messages FROM s_pre GROUP BY _row_id
       UNION ALL
       SELECT 1 AS _k, _row_id, rules, messages FROM ${result.failuresView}
     )
     -- reading failures first, then the suite's: a stable order, so a re-run writes the same rows
     , g AS (SELECT _row_id, flatten(list(rules ORDER BY _k)) AS rules, flatten(list(messages ORDER BY _k)) AS messages FROM f GROUP BY _row_id)
     -- the record text is rebuilt after the join, for the failing rows only
     SELECT b._row_id, ${rawTextSql(bronze.rawText, 'b')} AS _raw, b._source, g.rules, g.messages
     FROM g JOIN s_batch b ON b._row_id = g._row_id`,
  );
  // only the silver columns; a view, not a copy: counting it reads only _row_id, and the write streams it
  // (s_rows and the failure tables do not change in between, so both see the same rows)
  const select = decl.schema.map((f) => `CAST(${ident(f.name)} AS ${duckdbType(f.type)}) AS ${ident(f.name)}`).join(', ');
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW s_passed AS SELECT ${select} FROM ${result.passedView} WHERE _row_id NOT IN (SELECT _row_id FROM s_pre_rows)`,
  );
  const passed = await scalar(conn, 'SELECT count(*) FROM s_passed');
  const quarantined = await scalar(conn, 'SELECT count(*) FROM s_fail');
  const outcomes = [...(await preOutcomes(conn, rowsIn)), ...result.outcomes];
  const totals = { rowsIn, passed, quarantined, duplicates };
  if (rowsIn !== passed + quarantined + duplicates) throw new InvariantViolation(decl.name, date, totals);

  if (result.fatal.length > 0) {
    await recordMetrics(ctx.warehouse, { dataset: decl.name, date, runId: input.runId, outcomes, totals });
    throw new QualityFailure(
      decl.name,
      date,
      result.fatal.map((o) => ({ expectation: o.expectation, failed: o.failed, message: o.message })),
    );
  }

  // 6. write: the partition is replaced, so a re-run leaves the same rows
  ctx.heartbeat({ taskId: input.taskId, stage: 'write', passed });
  const write = await silver.write('SELECT * FROM s_passed', {
    replaceWhere: `${dateCol} = ${literal(date)}`,
    conn,
    operation: 'WRITE',
    operationParameters: { layer: 'silver', dataset: decl.name, date, runId: input.runId, bronzeVersion: bronze.version },
  });
  if (write.committed && write.metrics.numOutputRows !== passed) throw new InvariantViolation(decl.name, date, { ...totals, passed: write.metrics.numOutputRows });
  const written = await recordQuarantine(ctx.warehouse, conn, { dataset: decl.name, date, batchId: 'silver', runId: input.runId, failuresView: 's_fail' });
  if (written !== quarantined) throw new InvariantViolation(decl.name, date, { ...totals, quarantined: written });
  await recordMetrics(ctx.warehouse, { dataset: decl.name, date, runId: input.runId, outcomes, totals });
  let qualityReport: string | undefined;
  if (ctx.reportDir) {
    // One file per dataset: the silver tasks of a run share its runId, and would overwrite each other's report.
    qualityReport = await writeReport(path.join(ctx.reportDir, decl.name), { runId: input.runId, date, datasets: [{ dataset: decl.name, outcomes, ...totals }] });
  }
  return {
    ...totals,
    tableVersion: write.version,
    committed: write.committed,
    outcomes,
    qualityReport,
    details: { reads: readVersions, warned: outcomes.filter((o) => o.outcome === 'warned').map((o) => o.expectation) },
  };
}

/** JSON Schema over records that arrived as JSON (JSON lines, Kafka), before typing. */
async function checkJsonSchema(conn: DuckDBConnection, suite: QualitySuite): Promise<void> {
  // chunk by chunk: the records never sit in JavaScript all at once (a day holds hundreds of thousands)
  const result = await conn.stream(`SELECT _row_id, _raw FROM s_typed WHERE _parse_error IS NULL AND _format IN ('jsonl', 'kafka')`);
  const invalid: ReturnType<typeof validateJsonRecords>['invalid'] = [];
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const records = chunk.getRows().map(([id, raw]) => ({ rowId: Number(id), raw: String(raw) }));
    invalid.push(...validateJsonRecords(suite, records).invalid);
  }
  if (invalid.length === 0) return;
  const appender = await conn.createAppender('s_pre', 'main', 'temp');
  try {
    for (const r of invalid) {
      appender.appendBigInt(BigInt(r.rowId));
      appender.appendVarchar('json_schema');
      appender.appendVarchar(r.errors.join('; '));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
