/**
 * Evaluation of a suite over one batch, vectorised in DuckDB (docs/quality.md, "Evaluation"):
 * one aggregate for the batch-level figures, a small table of failing rows per rule that compares
 * rows (unique, foreign_key), one filter pass for all other row rules reading only their columns,
 * then everything else (counts, samples, rule/message lists) from those small tables. `_raw` is
 * read only when the caller reads the failures view.
 *
 * NULL semantics (see docs/quality.md): every rule except not_null passes on NULL; the
 * `unique` rule ignores keys with a NULL part; NaN is above every number (DuckDB ordering).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errText, ident, lit, typeClass, typedLit } from './sql';
import { BATCH_RULES, type Expectation, type ExpectationOutcome, type QualitySuite, type Severity } from './types';

export interface EvaluateInput {
  conn: DuckDBConnection;
  suite: QualitySuite;
  /** typed rows + `_row_id` BIGINT unique (+ `_raw` VARCHAR, the original record, when the caller wants it in failuresView); a temp table is cheapest to scan twice */
  batchView: string;
  /**
   * `_row_id`, `_raw` (and optionally `_source`): the records as they arrived, when the batch view
   * does not carry them (carrying every record's text through the typed rows costs a copy of it);
   * joined on for failing and sample rows only
   */
  rawView?: string;
  /** current silver rows (outside the partition being rewritten), for 'unique' against what is stored */
  existingView?: string;
  /** 'silver.customers' -> view name */
  referenceViews?: Record<string, string>;
  /** reference instant for freshness; for a backfill pass the end of the partition day */
  now: Date;
  /** prefix for the temp tables/views created on conn (default: q_<random>) */
  viewPrefix?: string;
}

export interface EvaluateResult {
  /** rows kept (warn failures included): the batch view's columns */
  passedView: string;
  /** rows failing a drop or fail rule (or all rows on a failed batch-level drop rule):
   *  `_row_id`, `_raw` (NULL when the batch has none; and `_source` when the batch has it), rules VARCHAR[] (every rule the row failed, warn included), messages VARCHAR[] */
  failuresView: string;
  passed: number;
  dropped: number;
  rowsIn: number;
  outcomes: ExpectationOutcome[];
  /** severity 'fail' expectations that failed: the caller throws a non-retryable error */
  fatal: ExpectationOutcome[];
}

const SAMPLE_SIZE = 5;
const VALUE_CHARS = 100;

export async function evaluate(input: EvaluateInput): Promise<EvaluateResult> {
  const { conn, suite, now } = input;
  const p = input.viewPrefix ?? `q_${Math.random().toString(36).slice(2, 10)}`;
  const batch = input.batchView;
  const types = await describe(conn, batch);
  if (!types.has('_row_id')) throw new Error(`quality evaluate(${suite.dataset}): batch view ${batch} has no column _row_id`);
  const rowRules = suite.expectations.filter((e) => !BATCH_RULES.includes(e.rule));
  const batchRules = suite.expectations.filter((e) => BATCH_RULES.includes(e.rule));
  const q = async <T = Record<string, unknown>>(sql: string, what: string): Promise<T[]> => {
    try {
      const r = await conn.runAndReadAll(sql);
      return r.getRowObjectsJson() as T[];
    } catch (err) {
      throw new Error(`quality evaluate(${suite.dataset}): ${what} failed: ${errText(err)}`);
    }
  };

  // Batch-level figures in one aggregate: the row count and each freshness column's newest value.
  const fresh = batchRules.filter((e): e is Extract<Expectation, { rule: 'freshness' }> => e.rule === 'freshness');
  const aggSql = [
    'count(*) AS n',
    ...fresh.map((e, i) => {
      const t = (types.get(e.column) ?? '').toUpperCase();
      const col = `max(${ident(e.column)})`;
      return `${t === 'DATE' ? `epoch_ms(CAST(${col} AS TIMESTAMP))` : `epoch_ms(${col})`} AS fresh_${i}`;
    }),
  ].join(', ');
  const agg = (await q(`SELECT ${aggSql} FROM ${batch}`, 'row count'))[0]!;
  const rowsIn = Number(agg.n);

  const batchOutcomes = new Map<Expectation, { failed: boolean; message: string; observed: Record<string, unknown> }>();
  for (const e of batchRules) {
    if (e.rule === 'row_count_between') {
      const bad = (e.min !== undefined && rowsIn < e.min) || (e.max !== undefined && rowsIn > e.max);
      const range = `[${e.min ?? 0}, ${e.max ?? '∞'}]`;
      batchOutcomes.set(e, {
        failed: bad,
        message: `${e.name}: row count ${rowsIn} is ${bad ? 'outside' : 'within'} ${range}`,
        observed: { row_count: rowsIn, expected: range },
      });
    } else if (e.rule === 'freshness') {
      const v = agg[`fresh_${fresh.indexOf(e)}`];
      const newest = v === null || v === undefined ? undefined : Number(v);
      const ageHours = newest === undefined ? undefined : (now.getTime() - newest) / 3_600_000;
      const bad = ageHours === undefined || ageHours > e.maxAgeHours;
      batchOutcomes.set(e, {
        failed: bad,
        message:
          newest === undefined
            ? `${e.name}: ${e.column} has no values, so the batch cannot be shown fresh`
            : `${e.name}: newest ${e.column} ${new Date(newest).toISOString()} is ${ageHours!.toFixed(1)}h old (max ${e.maxAgeHours}h)`,
        observed: { newest: newest === undefined ? null : new Date(newest).toISOString(), age_hours: ageHours === undefined ? null : Number(ageHours.toFixed(3)), max_age_hours: e.maxAgeHours },
      });
    }
  }

  // Rules that look beyond the row (`unique`, `foreign_key`) first, each as a small table of the
  // rows failing it with their message: a narrow window, semi- or anti-join over the columns the
  // rule names. Joined into the row pass, the batch's every column would go through the join.
  const rendered = rowRules.map((e, i) => ({ e, i, flag: `__q_f${i}`, ...failExpr(e, i, input, types) }));
  for (const r of rendered) {
    if (r.hits !== undefined) await q(`CREATE OR REPLACE TEMP TABLE ${p}_hits${r.i} AS ${r.hits}`, `rows failing '${r.e.name}'`);
  }
  const exprs = rendered.filter((r) => r.fail !== undefined);
  const hits = rendered.filter((r) => r.hits !== undefined);

  // One pass over the batch for the other row rules, reading only the columns they name (never
  // `_raw`). The WHERE tests each rule as a filter (OR and AND short-cut there, NULL reads as pass);
  // flags and messages are computed only for the few rows kept.
  const rows = `${p}_rows`;
  await q(
    exprs.length > 0
      ? `CREATE OR REPLACE TEMP TABLE ${rows} AS
         SELECT b._row_id, ${exprs.map((r) => `coalesce(${r.fail}, false) AS ${r.flag}, CASE WHEN ${r.fail} THEN ${messageExpr(r.e)} END AS __q_m${r.i}`).join(', ')}
         FROM ${batch} b WHERE ${exprs.map((r) => `(${r.fail})`).join(' OR ')}`
      : `CREATE OR REPLACE TEMP TABLE ${rows} AS SELECT _row_id FROM ${batch} WHERE false`,
    'row rules',
  );

  // The failing rows of all rules together (small tables only): a boolean per rule, and the rules
  // failed with their messages in suite order.
  const flags = `${p}_flags`;
  const listOf = (items: string[]): string => `list_filter([${items.join(', ')}]::VARCHAR[], x -> x IS NOT NULL)`;
  if (rendered.length > 0) {
    const ids = [`SELECT _row_id FROM ${rows}`, ...hits.map((r) => `SELECT _row_id FROM ${p}_hits${r.i}`)].join(' UNION ');
    const cols = rendered.map((r) =>
      r.hits !== undefined ? `h${r.i}._row_id IS NOT NULL AS ${r.flag}, h${r.i}.__q_m AS __q_m${r.i}` : `coalesce(m.${r.flag}, false) AS ${r.flag}, m.__q_m${r.i}`,
    );
    await q(
      `CREATE OR REPLACE TEMP TABLE ${flags} AS
       SELECT _row_id, ${rendered.map((r) => r.flag).join(', ')},
         ${listOf(rendered.map((r) => `CASE WHEN ${r.flag} THEN ${lit(r.e.name)} END`))} AS rules,
         ${listOf(rendered.map((r) => `__q_m${r.i}`))} AS messages
       FROM (
         SELECT ids._row_id, ${cols.join(', ')}
         FROM (${ids}) ids LEFT JOIN ${rows} m ON m._row_id = ids._row_id
         ${hits.map((r) => `LEFT JOIN ${p}_hits${r.i} h${r.i} ON h${r.i}._row_id = ids._row_id`).join(' ')})`,
      'failing rows',
    );
  } else {
    await q(`CREATE OR REPLACE TEMP TABLE ${flags} AS SELECT _row_id, CAST([] AS VARCHAR[]) AS rules, CAST([] AS VARCHAR[]) AS messages FROM ${batch} WHERE false`, 'failing rows');
  }
  // every rule's count and first failing row ids in one aggregate over the small table
  const counts =
    rendered.length > 0
      ? (await q(
          `SELECT ${rendered.map((r) => `count_if(${r.flag}) AS c${r.i}, list(_row_id ORDER BY _row_id) FILTER (WHERE ${r.flag})[1:${SAMPLE_SIZE}] AS s${r.i}`).join(', ')} FROM ${flags}`,
          'failure counts',
        ))[0]!
      : {};

  // Samples: the whole batch rows of the first failing ids of each rule. These are the lowest ids,
  // so the range filter lets the scan skip most of the batch (zone maps on `_row_id`).
  const sampleIds = new Map<number, number[]>();
  for (const r of rendered) sampleIds.set(r.i, ((counts[`s${r.i}`] as unknown[] | null) ?? []).map(Number));
  const allIds = [...new Set([...sampleIds.values()].flat())].sort((x, y) => x - y);
  const sampleRows = new Map<number, Record<string, unknown>>();
  if (allIds.length > 0) {
    const picked = (rel: string) => `SELECT * FROM ${rel} WHERE _row_id BETWEEN ${allIds[0]} AND ${allIds[allIds.length - 1]} AND _row_id IN (${allIds.join(', ')})`;
    const rows = await q(
      input.rawView
        ? `SELECT b.*${types.has('_raw') ? ' EXCLUDE (_raw)' : ''}, r._raw FROM (${picked(batch)}) b LEFT JOIN (SELECT _row_id, _raw FROM (${picked(input.rawView)})) r USING (_row_id) ORDER BY _row_id`
        : `${picked(batch)} ORDER BY _row_id`,
      'sample rows',
    );
    for (const row of rows) sampleRows.set(Number(row._row_id), row);
  }

  const outcomes: ExpectationOutcome[] = suite.expectations.map((e) => {
    const b = batchOutcomes.get(e);
    if (b) {
      return outcome(e, rowsIn, b.failed ? rowsIn : 0, b.failed, [b.observed], b.failed ? b.message : `expects ${describeExpectation(e)}`);
    }
    const r = rendered.find((x) => x.e === e)!;
    const failed = Number(counts[`c${r.i}`] ?? 0);
    const sample = sampleIds.get(r.i)!.map((id) => sampleRows.get(id)).filter((x): x is Record<string, unknown> => x !== undefined);
    return outcome(e, rowsIn, failed, failed > 0, sample.map((row) => focus(row, columnsOf(e))), `expects ${describeExpectation(e)}`);
  });

  // Failures, narrow (`_row_id`, rules, messages): rows failing a drop/fail rule, or every row
  // when a batch-level drop rule failed (its name and observation first).
  const failing = `${p}_failing`;
  const batchDropped = batchRules.filter((e) => e.severity === 'drop' && batchOutcomes.get(e)!.failed);
  const blocking = rendered.filter((r) => r.e.severity !== 'warn' && Number(counts[`c${r.i}`] ?? 0) > 0);
  if (batchDropped.length > 0) {
    const names = `[${batchDropped.map((e) => lit(e.name)).join(', ')}]::VARCHAR[]`;
    const messages = `[${batchDropped.map((e) => lit(batchOutcomes.get(e)!.message)).join(', ')}]::VARCHAR[]`;
    await q(
      `CREATE OR REPLACE TEMP TABLE ${failing} AS SELECT b._row_id, list_concat(${names}, coalesce(f.rules, [])) AS rules, list_concat(${messages}, coalesce(f.messages, [])) AS messages
       FROM ${batch} b LEFT JOIN ${flags} f ON f._row_id = b._row_id`,
      'failure rows',
    );
  } else {
    const where = blocking.length > 0 ? blocking.map((r) => r.flag).join(' OR ') : 'false';
    await q(`CREATE OR REPLACE TEMP TABLE ${failing} AS SELECT _row_id, rules, messages FROM ${flags} WHERE ${where}`, 'failure rows');
  }
  const dropped = batchDropped.length > 0 ? rowsIn : Number((await q<{ n: unknown }>(`SELECT count(*) AS n FROM ${failing}`, 'failure count'))[0]!.n);

  // The record as it arrived is joined on only here, for the failing rows, when a reader asks for it.
  const failures = `${p}_failures`;
  const rawFrom = input.rawView ?? batch;
  const rawTypes = input.rawView ? await describe(conn, input.rawView) : types;
  const source = rawTypes.has('_source') ? ', b._source' : '';
  const raw = rawTypes.has('_raw') ? 'b._raw' : 'NULL::VARCHAR AS _raw';
  await q(
    `CREATE OR REPLACE TEMP VIEW ${failures} AS SELECT f._row_id, ${raw}${source}, f.rules, f.messages FROM ${failing} f JOIN ${rawFrom} b ON b._row_id = f._row_id`,
    'failures view',
  );

  const passedView = `${p}_passed`;
  const passedSql =
    batchDropped.length > 0
      ? `SELECT * FROM ${batch} WHERE false`
      : dropped > 0
        ? `SELECT b.* FROM ${batch} b ANTI JOIN ${failing} f ON b._row_id = f._row_id`
        : `SELECT * FROM ${batch}`;
  await q(`CREATE OR REPLACE TEMP VIEW ${passedView} AS ${passedSql}`, 'passed view');

  return {
    passedView,
    failuresView: failures,
    passed: rowsIn - dropped,
    dropped,
    rowsIn,
    outcomes,
    fatal: outcomes.filter((o) => o.outcome === 'failed'),
  };
}

function outcome(e: Expectation, evaluated: number, failed: number, bad: boolean, sample: Record<string, unknown>[], message?: string): ExpectationOutcome {
  const verdict: Record<Severity, ExpectationOutcome['outcome']> = { warn: 'warned', drop: 'dropped', fail: 'failed' };
  return {
    expectation: e.name,
    rule: e.rule,
    severity: e.severity,
    evaluated,
    failed,
    failureFraction: bad ? (evaluated > 0 ? failed / evaluated : 1) : 0,
    outcome: bad ? verdict[e.severity] : 'passed',
    sample: bad ? sample.slice(0, SAMPLE_SIZE) : [],
    ...(message ? { message } : {}),
  };
}

async function describe(conn: DuckDBConnection, view: string): Promise<Map<string, string>> {
  const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${view}`);
  return new Map(r.getRowObjectsJson().map((row) => [String(row.column_name), String(row.column_type)]));
}

const col = (c: string): string => `b.${ident(c)}`;
const shown = (c: string): string => `coalesce(left(CAST(${col(c)} AS VARCHAR), ${VALUE_CHARS}), 'NULL')`;

/**
 * How a row rule is judged: `fail`, SQL over the batch row `b` that is true when the row fails
 * (NULL or false: passes); or `hits`, a query yielding the failing rows' `_row_id` and message
 * `__q_m`, for the rules that compare a row with other rows.
 */
function failExpr(e: Expectation, i: number, input: EvaluateInput, types: Map<string, string>): { fail?: string; hits?: string } {
  const typeOf = (c: string): string => {
    const t = types.get(c);
    if (!t) throw new Error(`quality evaluate(${input.suite.dataset}): expectation '${e.name}': column '${c}' is not in the batch`);
    return t;
  };
  const batch = input.batchView;
  switch (e.rule) {
    case 'not_null': {
      const t = typeOf(e.column);
      const c = col(e.column);
      // trim() only where a value starts with a space: `c < '!'` (true for '' and ' …') lets the
      // filter skip the rest for almost every value, and trimming every value was this rule's cost
      return {
        fail:
          e.treatEmptyAsNull && typeClass(t) === 'string'
            ? `(${c} IS NULL OR (${c} < '!' AND (${c} = '' OR (starts_with(${c}, ' ') AND trim(${c}) = ''))))`
            : `${c} IS NULL`,
      };
    }
    case 'between': {
      const t = typeOf(e.column);
      const parts: string[] = [];
      if (e.min !== undefined) parts.push(`${col(e.column)} < ${typedLit(e.min, t)}`);
      if (e.max !== undefined) parts.push(`${col(e.column)} > ${typedLit(e.max, t)}`);
      return { fail: `(${parts.join(' OR ')})` };
    }
    case 'in_set': {
      const t = typeOf(e.column);
      return { fail: `${col(e.column)} NOT IN (${e.values.map((v) => typedLit(v, t)).join(', ')})` };
    }
    case 'match_regex':
      typeOf(e.column);
      return { fail: `NOT regexp_matches(CAST(${col(e.column)} AS VARCHAR), ${lit(e.pattern)})` };
    case 'column_pair':
      typeOf(e.left);
      typeOf(e.right);
      return { fail: `NOT (${col(e.left)} ${e.op} ${col(e.right)})` };
    case 'sql':
      return { fail: `NOT CAST((${e.expression}) AS BOOLEAN)` };
    case 'unique': {
      // later copies of a key in the batch (a narrow window over the key and `_row_id`), and keys
      // already stored (a semi-join); a key with a NULL part never fails
      e.columns.forEach(typeOf);
      const keys = e.columns.map(ident);
      const message = messageExpr(e);
      const stored = input.existingView
        ? ` UNION SELECT b._row_id, ${message} AS __q_m FROM ${batch} b SEMI JOIN ${input.existingView} x ON ${keys.map((k) => `x.${k} = b.${k}`).join(' AND ')}`
        : '';
      return {
        hits: `SELECT b._row_id, ${message} AS __q_m FROM (
            SELECT _row_id, ${keys.join(', ')}, row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY _row_id) AS __q_rn${i}
            FROM ${batch} WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')}) b
          WHERE __q_rn${i} > 1${stored}`,
      };
    }
    case 'foreign_key': {
      typeOf(e.column);
      const view = input.referenceViews?.[e.reference];
      if (!view) throw new Error(`quality evaluate(${input.suite.dataset}): expectation '${e.name}': no view given for reference '${e.reference}'`);
      // one hash anti-join: the reference keys are the build side, the batch column probes it
      return {
        hits: `SELECT b._row_id, ${messageExpr(e)} AS __q_m FROM ${batch} b ANTI JOIN ${view} r ON r.${ident(e.referenceColumn)} = ${col(e.column)} WHERE ${col(e.column)} IS NOT NULL`,
      };
    }
    case 'row_count_between':
    case 'freshness':
      throw new Error(`${e.rule} is a batch rule`);
  }
}

/** The columns a rule looks at. */
function columnsOf(e: Expectation): string[] {
  switch (e.rule) {
    case 'unique':
      return e.columns;
    case 'column_pair':
      return [e.left, e.right];
    case 'sql':
    case 'row_count_between':
      return [];
    default:
      return [e.column];
  }
}

/** A sample row with `_row_id` and the rule's columns first and `_raw` last: what a reader looks for first. */
function focus(row: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['_row_id', ...columns]) if (k in row) out[k] = row[k];
  for (const [k, v] of Object.entries(row)) if (!(k in out) && k !== '_raw') out[k] = v;
  if ('_raw' in row) out._raw = row._raw;
  return out;
}

/** What the expectation asks, in words, for reports and metrics. */
export function describeExpectation(e: Expectation): string {
  switch (e.rule) {
    case 'not_null':
      return `${e.column} not NULL${e.treatEmptyAsNull ? ' nor empty' : ''}`;
    case 'unique':
      return `(${e.columns.join(', ')}) unique in the batch and among stored rows`;
    case 'between':
      return e.min !== undefined && e.max !== undefined ? `${e.column} between ${e.min} and ${e.max}` : e.min !== undefined ? `${e.column} >= ${e.min}` : `${e.column} <= ${e.max}`;
    case 'in_set':
      return `${e.column} in {${e.values.slice(0, 10).join(', ')}${e.values.length > 10 ? ', …' : ''}}`;
    case 'match_regex':
      return `${e.column} matches /${e.pattern}/`;
    case 'foreign_key':
      return `${e.column} found in ${e.reference}.${e.referenceColumn}`;
    case 'column_pair':
      return `${e.left} ${e.op} ${e.right}`;
    case 'sql':
      return e.expression;
    case 'row_count_between':
      return `row count in [${e.min ?? 0}, ${e.max ?? '∞'}]`;
    case 'freshness':
      return `newest ${e.column} at most ${e.maxAgeHours}h old`;
  }
}

/** SQL yielding the row's message for a failed rule, prefixed with the expectation name. */
function messageExpr(e: Expectation): string {
  const head = (s: string): string => lit(`${e.name}: ${s}`);
  switch (e.rule) {
    case 'not_null':
      return head(`${e.column} is NULL${e.treatEmptyAsNull ? ' or empty' : ''}`);
    case 'between':
      return `${head(`${e.column} = `)} || ${shown(e.column)} || ${lit(` is outside [${e.min ?? '-∞'}, ${e.max ?? '∞'}]`)}`;
    case 'in_set': {
      const vals = e.values.slice(0, 10).map(String).join(', ') + (e.values.length > 10 ? ', …' : '');
      return `${head(`${e.column} = `)} || ${shown(e.column)} || ${lit(` is not one of {${vals}}`)}`;
    }
    case 'match_regex':
      return `${head(`${e.column} = `)} || ${shown(e.column)} || ${lit(` does not match /${e.pattern}/`)}`;
    case 'column_pair':
      return `${head(`expected ${e.left} ${e.op} ${e.right}, got ${e.left} = `)} || ${shown(e.left)} || ${lit(`, ${e.right} = `)} || ${shown(e.right)}`;
    case 'sql':
      return head(`expression is false: ${e.expression}`);
    case 'unique':
      return `${head(`duplicate (${e.columns.join(', ')}) = (`)} || ${e.columns.map(shown).join(` || ', ' || `)} || ') in the batch or already stored'`;
    case 'foreign_key':
      return `${head(`${e.column} = `)} || ${shown(e.column)} || ${lit(` not found in ${e.reference}.${e.referenceColumn}`)}`;
    default:
      return head('failed');
  }
}
