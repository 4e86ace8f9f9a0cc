/**
 * A malformed suite is refused when the worker starts, not discovered mid-partition.
 * checkSuite judges what JS can (rules, columns, references, bounds, JS regex syntax);
 * verifySuite adds what only DuckDB can (RE2 accepts the regex, sql expressions bind,
 * bounds and set values cast to the column type).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { jsonValidator } from './json-schema';
import { duckType, errText, ident, lit, typeClass, typedLit } from './sql';
import { type Expectation, type QualitySuite, RULES, SuiteError } from './types';

type Columns = { name: string; type: string }[];
const SEVERITIES = new Set(['warn', 'drop', 'fail']);
const PAIR_OPS = new Set(['<', '<=', '=', '>=', '>', '<>']);

export function checkSuite(suite: QualitySuite, columns: Columns, references?: Record<string, { name: string }[]>): void {
  const dataset = typeof suite?.dataset === 'string' && suite.dataset ? suite.dataset : '?';
  if (dataset === '?') throw new SuiteError(dataset, undefined, 'suite has no dataset name');
  if (!Array.isArray(suite.expectations)) throw new SuiteError(dataset, undefined, 'expectations must be an array');
  if (suite.jsonSchema !== undefined && (typeof suite.jsonSchema !== 'object' || suite.jsonSchema === null)) {
    throw new SuiteError(dataset, undefined, 'jsonSchema must be an object');
  }
  jsonValidator(suite);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const seen = new Set<string>();
  suite.expectations.forEach((e, i) => {
    const name = typeof e?.name === 'string' && e.name ? e.name : `#${i}`;
    const fail = (problem: string): never => {
      throw new SuiteError(dataset, name, problem);
    };
    if (name.startsWith('#')) fail('expectation has no name');
    if (seen.has(name)) fail('duplicate expectation name');
    seen.add(name);
    if (!RULES.includes(e.rule)) fail(`unknown rule ${JSON.stringify((e as { rule: unknown }).rule)} (known: ${RULES.join(', ')})`);
    if (!SEVERITIES.has(e.severity)) fail(`unknown severity ${JSON.stringify(e.severity)} (warn, drop or fail)`);
    const column = (col: unknown, role = 'column'): { name: string; type: string } => {
      if (typeof col !== 'string' || !col) return fail(`${role} is missing`);
      const c = byName.get(col);
      if (!c) {
        const near = columns.find((x) => x.name.toLowerCase() === col.toLowerCase());
        return fail(`${role} '${col}' does not exist${near ? ` (did you mean '${near.name}'?)` : ''}; columns: ${columns.map((x) => x.name).join(', ')}`);
      }
      return c;
    };
    checkRule(e, column, fail, references);
  });
}

function checkRule(
  e: Expectation,
  column: (col: unknown, role?: string) => { name: string; type: string },
  fail: (problem: string) => never,
  references: Record<string, { name: string }[]> | undefined,
): void {
  switch (e.rule) {
    case 'not_null':
      column(e.column);
      return;
    case 'unique':
      if (!Array.isArray(e.columns) || e.columns.length === 0) fail('unique needs a non-empty columns list');
      e.columns.forEach((c) => column(c));
      return;
    case 'between': {
      const c = column(e.column);
      if (e.min === undefined && e.max === undefined) fail('between needs min or max');
      for (const b of [e.min, e.max]) {
        if (b === undefined) continue;
        if (typeof b === 'number' && !Number.isFinite(b)) fail(`bound ${b} is not a finite number`);
        if (typeof b !== 'number' && typeof b !== 'string') fail(`bound ${JSON.stringify(b)} must be a number or a string`);
        if (typeClass(c.type) === 'numeric' && typeof b === 'string' && !Number.isFinite(Number(b))) {
          fail(`bound '${b}' is not a number but column '${c.name}' is ${c.type}`);
        }
      }
      if (e.min !== undefined && e.max !== undefined && compareBounds(e.min, e.max) > 0) {
        fail(`min ${JSON.stringify(e.min)} is greater than max ${JSON.stringify(e.max)}`);
      }
      return;
    }
    case 'in_set':
      column(e.column);
      if (!Array.isArray(e.values) || e.values.length === 0) fail('in_set needs a non-empty values list');
      for (const v of e.values) {
        if (!(typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) fail(`in_set value ${JSON.stringify(v)} must be a string or a finite number`);
      }
      return;
    case 'match_regex':
      column(e.column);
      if (typeof e.pattern !== 'string' || !e.pattern) fail('match_regex needs a pattern');
      try {
        new RegExp(e.pattern);
      } catch (err) {
        fail(`pattern ${JSON.stringify(e.pattern)} is not a valid regex: ${errText(err)}`);
      }
      return;
    case 'foreign_key': {
      column(e.column);
      const ref = references?.[e.reference];
      if (!ref) fail(`reference '${e.reference}' is unknown (known: ${Object.keys(references ?? {}).join(', ') || 'none'})`);
      if (!ref.some((c) => c.name === e.referenceColumn)) {
        fail(`reference column '${e.referenceColumn}' does not exist in '${e.reference}' (columns: ${ref.map((c) => c.name).join(', ')})`);
      }
      return;
    }
    case 'row_count_between':
      if (e.min === undefined && e.max === undefined) fail('row_count_between needs min or max');
      for (const b of [e.min, e.max]) {
        if (b !== undefined && !(Number.isInteger(b) && b >= 0)) fail(`row count bound ${JSON.stringify(b)} must be a non-negative integer`);
      }
      if (e.min !== undefined && e.max !== undefined && e.min > e.max) fail(`min ${e.min} is greater than max ${e.max}`);
      return;
    case 'freshness': {
      const c = column(e.column);
      if (typeClass(c.type) !== 'temporal') fail(`freshness needs a date or timestamp column; '${c.name}' is ${c.type}`);
      if (!(typeof e.maxAgeHours === 'number' && e.maxAgeHours > 0 && Number.isFinite(e.maxAgeHours))) fail('maxAgeHours must be a positive number');
      return;
    }
    case 'column_pair':
      column(e.left, 'left column');
      column(e.right, 'right column');
      if (!PAIR_OPS.has(e.op)) fail(`unknown operator ${JSON.stringify(e.op)} (one of ${[...PAIR_OPS].join(' ')})`);
      return;
    case 'sql':
      if (typeof e.expression !== 'string' || !e.expression.trim()) fail('sql needs a non-empty expression');
      if (e.expression.includes(';')) fail('sql expression must be a single expression (no ";")');
      return;
  }
}

/** Numbers compare as numbers; strings that both parse as dates compare as instants, else lexically. */
function compareBounds(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  const da = Date.parse(String(a));
  const db = Date.parse(String(b));
  if (Number.isFinite(da) && Number.isFinite(db)) return da - db;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * checkSuite, then every DuckDB-level check against an empty view with the batch's columns
 * (and empty reference views), so nothing in the suite can first fail on real data.
 */
export async function verifySuite(
  conn: DuckDBConnection,
  suite: QualitySuite,
  columns: Columns,
  references?: Record<string, { name: string }[]>,
): Promise<void> {
  checkSuite(suite, columns, references);
  const tag = `q_verify_${Math.random().toString(36).slice(2, 10)}`;
  const batchCols = [...columns];
  if (!batchCols.some((c) => c.name === '_row_id')) batchCols.push({ name: '_row_id', type: 'BIGINT' });
  if (!batchCols.some((c) => c.name === '_raw')) batchCols.push({ name: '_raw', type: 'VARCHAR' });
  const typeOf = new Map(columns.map((c) => [c.name, duckType(c.type)]));
  const emptyView = (name: string, cols: { name: string; type: string }[]): string =>
    `CREATE OR REPLACE TEMP VIEW ${ident(name)} AS SELECT ${cols.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`).join(', ')} WHERE false`;
  await conn.run(emptyView(tag, batchCols));
  try {
    for (const e of suite.expectations) {
      const fail = (problem: string): never => {
        throw new SuiteError(suite.dataset, e.name, problem);
      };
      const probe = async (sql: string, what: string): Promise<void> => {
        try {
          await conn.run(sql);
        } catch (err) {
          fail(`${what}: ${errText(err)}`);
        }
      };
      switch (e.rule) {
        case 'match_regex':
          // DuckDB uses RE2: no lookaround or backreferences, unlike JS.
          await probe(`SELECT regexp_matches('', ${lit(e.pattern)})`, `DuckDB (RE2) rejects pattern ${JSON.stringify(e.pattern)}`);
          break;
        case 'between': {
          const t = typeOf.get(e.column)!;
          for (const b of [e.min, e.max]) {
            if (b !== undefined) await probe(`SELECT ${typedLit(b, t)}`, `bound ${JSON.stringify(b)} does not cast to ${t}`);
          }
          if (e.min !== undefined && e.max !== undefined) {
            const r = await conn.runAndReadAll(`SELECT ${typedLit(e.min, t)} > ${typedLit(e.max, t)} AS bad`);
            if (r.getRowObjects()[0]?.bad === true) fail(`min ${JSON.stringify(e.min)} is greater than max ${JSON.stringify(e.max)}`);
          }
          break;
        }
        case 'in_set': {
          const t = typeOf.get(e.column)!;
          await probe(`SELECT [${e.values.map((v) => typedLit(v, t)).join(', ')}]`, `a value does not cast to ${t}`);
          break;
        }
        case 'column_pair':
          await probe(`SELECT ${ident(e.left)} ${e.op} ${ident(e.right)} FROM ${ident(tag)}`, `'${e.left}' and '${e.right}' do not compare`);
          break;
        case 'sql': {
          await probe(`SELECT (${e.expression}) AS v FROM ${ident(tag)}`, `expression does not parse or bind in DuckDB`);
          const r = await conn.runAndReadAll(`DESCRIBE SELECT (${e.expression}) AS v FROM ${ident(tag)}`);
          const type = String(r.getRowObjectsJson()[0]?.column_type);
          if (type !== 'BOOLEAN') fail(`expression must be boolean (true = pass) but is ${type}`);
          break;
        }
        default:
          break;
      }
    }
  } finally {
    await conn.run(`DROP VIEW IF EXISTS ${ident(tag)}`);
  }
}
