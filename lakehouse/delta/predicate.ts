/**
 * The predicate language of replaceWhere, delete and scans:
 *   date = '2024-01-01' AND region IN ('US','EU') AND NOT (amount < 0 OR note IS NULL)
 * Operators =, <>, !=, <, <=, >, >=, IN, NOT IN, IS [NOT] NULL, AND, OR, NOT, parentheses;
 * literals 'strings', numbers, TRUE/FALSE, DATE '...', TIMESTAMP '...'.
 *
 * Parsed to an AST that renders back to DuckDB SQL and that is evaluated against a file's
 * partition values and stats to decide whether the file may hold matching rows. Evaluation
 * is conservative: an unknown column, type or statistic never excludes a file.
 */
import { parseStats, type AddFile, type FileStats } from './actions';
import { ident, literal as sqlString, type DeltaType, type Field } from './schema';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: string }
  | { kind: 'timestamp'; value: string };

export type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; arg: Expr }
  | { kind: 'cmp'; column: string; op: CmpOp; value: Literal }
  | { kind: 'in'; column: string; values: Literal[]; negated: boolean }
  | { kind: 'isnull'; column: string; negated: boolean };

export class PredicateError extends Error {
  constructor(readonly predicate: string, readonly position: number, detail: string) {
    super(`invalid predicate at ${position}: ${detail} in ${JSON.stringify(predicate)}`);
    this.name = 'PredicateError';
  }
}

type Token = { t: 'id' | 'qid' | 'str' | 'num' | 'op' | 'lp' | 'rp' | 'comma' | 'eof'; v: string; pos: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new PredicateError(src, start, 'unterminated string');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'str', v: s, pos: start });
    } else if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new PredicateError(src, start, 'unterminated quoted identifier');
        if (src[i] === '"') {
          if (src[i + 1] === '"') {
            s += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'qid', v: s, pos: start });
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '.') && /[0-9.]/.test(src[i + 1] ?? ''))) {
      const m = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw new PredicateError(src, i, 'bad number');
      out.push({ t: 'num', v: m[0], pos: start });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], pos: start });
      i += m[0].length;
    } else if (c === '(') {
      out.push({ t: 'lp', v: c, pos: i++ });
    } else if (c === ')') {
      out.push({ t: 'rp', v: c, pos: i++ });
    } else if (c === ',') {
      out.push({ t: 'comma', v: c, pos: i++ });
    } else {
      const m = /^(<=|>=|<>|!=|=|<|>)/.exec(src.slice(i));
      if (!m) throw new PredicateError(src, i, `unexpected character ${JSON.stringify(c)}`);
      out.push({ t: 'op', v: m[0] === '!=' ? '<>' : m[0], pos: start });
      i += m[0].length;
    }
  }
  out.push({ t: 'eof', v: '', pos: src.length });
  return out;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'DATE', 'TIMESTAMP']);

export function parsePredicate(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Token => toks[p];
  const kw = (word: string): boolean => peek().t === 'id' && peek().v.toUpperCase() === word;
  const fail = (detail: string): never => {
    throw new PredicateError(src, peek().pos, detail);
  };
  const expect = (t: Token['t'], what: string): Token => {
    if (peek().t !== t) fail(`expected ${what}`);
    return toks[p++];
  };

  const parseOr = (): Expr => {
    let left = parseAnd();
    while (kw('OR')) {
      p++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Expr => {
    let left = parseNot();
    while (kw('AND')) {
      p++;
      left = { kind: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): Expr => {
    if (kw('NOT')) {
      p++;
      return { kind: 'not', arg: parseNot() };
    }
    return parsePrimary();
  };
  const parseLiteral = (): Literal => {
    const t = peek();
    if (t.t === 'str') {
      p++;
      return { kind: 'string', value: t.v };
    }
    if (t.t === 'num') {
      p++;
      return { kind: 'number', value: t.v };
    }
    if (kw('TRUE') || kw('FALSE')) {
      p++;
      return { kind: 'boolean', value: t.v.toUpperCase() === 'TRUE' };
    }
    if (kw('DATE') || kw('TIMESTAMP')) {
      p++;
      const s = expect('str', `a quoted ${t.v.toUpperCase()} literal`);
      return { kind: t.v.toUpperCase() === 'DATE' ? 'date' : 'timestamp', value: s.v };
    }
    if (kw('NULL')) fail('comparison with NULL is never true; use IS NULL');
    return fail('expected a literal');
  };
  const parsePrimary = (): Expr => {
    if (peek().t === 'lp') {
      p++;
      const e = parseOr();
      expect('rp', "')'");
      return e;
    }
    const t = peek();
    let column: string;
    if (t.t === 'qid') column = t.v;
    // 'date' and 'timestamp' are common column names: keywords only when a string follows.
    else if (t.t === 'id' && (!KEYWORDS.has(t.v.toUpperCase()) || (['DATE', 'TIMESTAMP'].includes(t.v.toUpperCase()) && toks[p + 1].t !== 'str'))) column = t.v;
    else return fail('expected a column name');
    p++;
    if (kw('IS')) {
      p++;
      let negated = false;
      if (kw('NOT')) {
        p++;
        negated = true;
      }
      if (!kw('NULL')) fail('expected NULL');
      p++;
      return { kind: 'isnull', column, negated };
    }
    let negated = false;
    if (kw('NOT')) {
      p++;
      negated = true;
      if (!kw('IN')) fail('expected IN after NOT');
    }
    if (kw('IN')) {
      p++;
      expect('lp', "'('");
      const values = [parseLiteral()];
      while (peek().t === 'comma') {
        p++;
        values.push(parseLiteral());
      }
      expect('rp', "')'");
      return { kind: 'in', column, values, negated };
    }
    if (peek().t !== 'op') fail('expected a comparison operator, IN or IS');
    const op = toks[p++].v as CmpOp;
    return { kind: 'cmp', column, op, value: parseLiteral() };
  };

  const e = parseOr();
  if (peek().t !== 'eof') fail('unexpected trailing input');
  return e;
}

export function columnsOf(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.kind) {
    case 'and':
    case 'or':
      columnsOf(e.left, out);
      columnsOf(e.right, out);
      break;
    case 'not':
      columnsOf(e.arg, out);
      break;
    default:
      out.add(e.column);
  }
  return out;
}

function renderLiteral(l: Literal): string {
  switch (l.kind) {
    case 'string':
      return sqlString(l.value);
    case 'number':
      return l.value;
    case 'boolean':
      return l.value ? 'TRUE' : 'FALSE';
    case 'date':
      return `DATE ${sqlString(l.value)}`;
    case 'timestamp':
      return `TIMESTAMPTZ ${sqlString(l.value)}`;
  }
}

/** DuckDB SQL for the predicate; `column` maps a column name to its SQL expression. */
export function toSql(e: Expr, column: (name: string) => string = ident): string {
  switch (e.kind) {
    case 'and':
      return `(${toSql(e.left, column)} AND ${toSql(e.right, column)})`;
    case 'or':
      return `(${toSql(e.left, column)} OR ${toSql(e.right, column)})`;
    case 'not':
      return `(NOT ${toSql(e.arg, column)})`;
    case 'cmp':
      return `(${column(e.column)} ${e.op} ${renderLiteral(e.value)})`;
    case 'in':
      return `(${column(e.column)} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map(renderLiteral).join(', ')}))`;
    case 'isnull':
      return `(${column(e.column)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
  }
}

/** Push NOT down to the leaves (SQL three-valued logic keeps these rewrites exact). */
export function toNnf(e: Expr, negate = false): Expr {
  switch (e.kind) {
    case 'not':
      return toNnf(e.arg, !negate);
    case 'and':
    case 'or': {
      const kind = negate ? (e.kind === 'and' ? 'or' : 'and') : e.kind;
      return { kind, left: toNnf(e.left, negate), right: toNnf(e.right, negate) };
    }
    case 'cmp': {
      if (!negate) return e;
      const flip: Record<CmpOp, CmpOp> = { '=': '<>', '<>': '=', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };
      return { ...e, op: flip[e.op] };
    }
    case 'in':
      return negate ? { ...e, negated: !e.negated } : e;
    case 'isnull':
      return negate ? { ...e, negated: !e.negated } : e;
  }
}

/** What is known of one column inside one file. Absent fields are unknown. */
export interface ColumnRange {
  min?: Comparable;
  max?: Comparable;
  nullCount?: number;
  numRecords?: number;
}

type Comparable = number | string | boolean;

/** Convert a literal, a partition value string or a stats JSON value to a comparable of `type`. */
export function comparable(type: DeltaType | undefined, v: unknown): Comparable | undefined {
  if (v === null || v === undefined || type === undefined) return undefined;
  if (type === 'string') return typeof v === 'string' ? v : undefined;
  if (type === 'boolean') {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'TRUE') return true;
    if (v === 'false' || v === 'FALSE') return false;
    return undefined;
  }
  if (type === 'date') {
    const s = String(v);
    return /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : undefined;
  }
  if (type === 'timestamp' || type === 'timestamp_ntz') {
    if (typeof v === 'number') return v;
    let s = String(v).trim().replace(' ', 'T');
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00';
    if (!/(Z|[+-]\d{2}(:?\d{2})?)$/.test(s)) s += 'Z';
    s = s.replace(/([+-]\d{2})$/, '$1:00');
    // Date.parse keeps milliseconds; finer digits are dropped (callers widen bounds by 1 ms).
    s = s.replace(/(\.\d{3})\d+/, '$1');
    const ms = Date.parse(s);
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (type === 'binary') return undefined;
  // integers, floats, decimals
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function literalValue(type: DeltaType | undefined, l: Literal): Comparable | undefined {
  return comparable(type, l.value);
}

/**
 * Could a file whose columns have these ranges hold a row matching `e` (in NNF)?
 * false only when the ranges prove no row can; unknown ranges answer true.
 */
export function mayMatch(e: Expr, types: Map<string, DeltaType>, range: (column: string) => ColumnRange | undefined): boolean {
  switch (e.kind) {
    case 'and':
      return mayMatch(e.left, types, range) && mayMatch(e.right, types, range);
    case 'or':
      return mayMatch(e.left, types, range) || mayMatch(e.right, types, range);
    case 'not':
      return mayMatch(toNnf(e), types, range);
    case 'isnull': {
      const r = range(e.column);
      if (!r || r.nullCount === undefined) return true;
      if (!e.negated) return r.nullCount > 0;
      return r.numRecords === undefined || r.nullCount < r.numRecords;
    }
    case 'cmp':
    case 'in': {
      const r = range(e.column);
      if (!r) return true;
      // Every row null: no comparison is true.
      if (r.nullCount !== undefined && r.numRecords !== undefined && r.nullCount >= r.numRecords && r.numRecords > 0) return false;
      const type = types.get(e.column);
      const { min, max } = r;
      const lits = e.kind === 'cmp' ? [e.value] : e.values;
      const op: CmpOp = e.kind === 'cmp' ? e.op : e.negated ? '<>' : '=';
      if (e.kind === 'in' && e.negated) {
        // NOT IN: excluded only if min = max and that value is in the list.
        if (min === undefined || max === undefined || min !== max) return true;
        return !lits.some((l) => literalValue(type, l) === min);
      }
      return lits.some((l) => {
        const v = literalValue(type, l);
        if (v === undefined || typeof v !== typeof (min ?? max ?? v)) return true;
        switch (op) {
          case '=':
            return !(min !== undefined && v < min) && !(max !== undefined && v > max);
          case '<>':
            return !(min !== undefined && max !== undefined && min === max && min === v);
          case '<':
            return min === undefined || min < v;
          case '<=':
            return min === undefined || min <= v;
          case '>':
            return max === undefined || max > v;
          case '>=':
            return max === undefined || max >= v;
        }
        return true;
      });
    }
  }
}

/** Column types of a schema, for evaluation. */
export function typeMap(fields: Field[]): Map<string, DeltaType> {
  return new Map(fields.map((f) => [f.name, f.type]));
}

/** A compiled predicate: SQL plus file-level pruning over a table's schema. */
export class FilePredicate {
  readonly expr: Expr;
  readonly nnf: Expr;
  readonly columns: Set<string>;
  private readonly types: Map<string, DeltaType>;
  private readonly partitionColumns: Set<string>;

  constructor(
    readonly source: string,
    fields: Field[],
    partitionColumns: string[],
  ) {
    this.expr = parsePredicate(source);
    this.nnf = toNnf(this.expr);
    this.columns = columnsOf(this.expr);
    this.types = typeMap(fields);
    this.partitionColumns = new Set(partitionColumns);
    for (const c of this.columns) {
      if (!this.types.has(c)) throw new PredicateError(source, 0, `unknown column ${c}`);
    }
  }

  /** True when the predicate only reads partition columns: files match wholly or not at all. */
  get onlyPartitionColumns(): boolean {
    return [...this.columns].every((c) => this.partitionColumns.has(c));
  }

  sql(column?: (name: string) => string): string {
    return toSql(this.expr, column);
  }

  /** May the file (partition values, then stats) hold matching rows? */
  mayMatch(file: { partitionValues: Record<string, string | null>; stats?: string | null }, usePartitionsOnly = false): boolean {
    // Stats JSON is parsed only when the predicate reaches a data column or a NULL partition
    // value: a partition-only predicate over 50,000 files parses none.
    let parsed = usePartitionsOnly;
    let statsValue: FileStats | undefined;
    const stats = (): FileStats | undefined => {
      if (!parsed) {
        parsed = true;
        statsValue = parseStats(file.stats);
      }
      return statsValue;
    };
    return mayMatch(this.nnf, this.types, (column) => {
      const type = this.types.get(column);
      if (this.partitionColumns.has(column)) {
        const raw = file.partitionValues?.[column];
        if (raw === null || raw === undefined || raw === '') {
          const n = stats()?.numRecords;
          return { nullCount: n ?? 1, numRecords: n ?? 1 };
        }
        const v = comparable(type, raw);
        return v === undefined ? undefined : { min: v, max: v, nullCount: 0 };
      }
      const st = stats();
      if (!st) return undefined;
      const r: ColumnRange = { numRecords: st.numRecords };
      const nc = st.nullCount?.[column];
      if (typeof nc === 'number') r.nullCount = nc;
      r.min = comparable(type, st.minValues?.[column]);
      r.max = comparable(type, st.maxValues?.[column]);
      // Timestamp stats are truncated to milliseconds: widen the max so we never skip wrongly.
      if ((type === 'timestamp' || type === 'timestamp_ntz') && typeof r.max === 'number') r.max += 1;
      return r;
    });
  }

  /** Exact match of a file's partition (only meaningful when onlyPartitionColumns). */
  matchesPartition(file: AddFile | { partitionValues: Record<string, string | null> }): boolean {
    return this.mayMatch({ partitionValues: file.partitionValues }, true);
  }
}
