/**
 * Turning delivered bytes into raw records without ever throwing on bad input: each record keeps
 * its original text, its line number and, when it cannot be read, a parse error naming the file,
 * the line and what is wrong. Values stay text; typing is silver's job.
 * Kafka values go through parseJsonRecord. Landing files are staged by DuckDB (stage-files.ts);
 * parseCsv / parseJsonLines are the reference it is tested against, record for record.
 */

export interface RawRecord {
  /** field name -> raw text (null when absent or empty in CSV) */
  fields: Record<string, string | null>;
  /** the original line (CSV, JSON lines) or record text */
  raw: string;
  /** 1-based line (files) or offset (Kafka) */
  line: number;
  /** why the record could not be read; fields are then empty */
  parseError: string | null;
}

/** JSON value -> text as bronze stores it. */
export function jsonValueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** One JSON object (a JSON line or a Kafka value). */
export function parseJsonRecord(text: string, line: number, where: string): RawRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { fields: {}, raw: text, line, parseError: `${where}: malformed JSON (${(err as Error).message})` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { fields: {}, raw: text, line, parseError: `${where}: expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}` };
  }
  const fields: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) fields[k] = jsonValueText(v);
  return { fields, raw: text, line, parseError: null };
}

export function parseJsonLines(text: string, file: string): RawRecord[] {
  const out: RawRecord[] = [];
  const lines = stripBom(text).split(/\r?\n/);
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    out.push(parseJsonRecord(l, i + 1, `${file} line ${i + 1}`));
  });
  return out;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * RFC 4180 CSV with a header row: quoted fields may hold commas, quotes ("") and line breaks.
 * A record whose field count differs from the header's, or with an unterminated quote, is kept
 * raw with a parse error.
 */
export function parseCsv(text: string, file: string): RawRecord[] {
  const src = stripBom(text);
  const records: { cells: string[]; quoted: boolean[]; raw: string; line: number; error?: string }[] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const startLine = line;
    const start = i;
    // fast path: a line without quotes is split as is (most lines); quoted ones take the walk below
    const nl = src.indexOf('\n', i);
    const lineEnd = nl === -1 ? src.length : nl;
    const text = src.slice(i, lineEnd).replace(/\r$/, '');
    if (!text.includes('"')) {
      i = nl === -1 ? src.length : nl + 1;
      line++;
      if (text.trim() === '') continue;
      const cells = text.split(',');
      records.push({ cells, quoted: cells.map(() => false), raw: text, line: startLine });
      continue;
    }
    const cells: string[] = [];
    const quoted: boolean[] = [];
    let cell = '';
    let isQuoted = false;
    let error: string | undefined;
    let end = false;
    while (!end) {
      if (i >= src.length) {
        cells.push(cell);
        quoted.push(isQuoted);
        break;
      }
      const ch = src[i];
      if (ch === '"' && cell === '' && !isQuoted) {
        // quoted field: read to the closing quote
        isQuoted = true;
        i++;
        let closed = false;
        while (i < src.length) {
          if (src[i] === '"') {
            if (src[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (src[i] === '\n') line++;
          cell += src[i++];
        }
        if (!closed) error = 'unterminated quoted field';
        continue;
      }
      if (ch === ',') {
        cells.push(cell);
        quoted.push(isQuoted);
        cell = '';
        isQuoted = false;
        i++;
        continue;
      }
      if (ch === '\r' && src[i + 1] === '\n') i++;
      if (ch === '\n' || ch === '\r') {
        cells.push(cell);
        quoted.push(isQuoted);
        i++;
        line++;
        end = true;
        continue;
      }
      if (isQuoted) error ??= `text after a closing quote`;
      cell += ch;
      i++;
    }
    const raw = src.slice(start, i).replace(/\r?\n$/, '');
    if (raw.trim() === '') continue; // blank line: not a record
    records.push({ cells, quoted, raw, line: startLine, error });
  }
  if (records.length === 0) return [];
  const header = records[0].cells.map((h) => h.trim());
  return records.slice(1).map((r) => {
    const where = `${file} line ${r.line}`;
    if (r.error) return { fields: {}, raw: r.raw, line: r.line, parseError: `${where}: ${r.error}` };
    if (r.cells.length !== header.length) {
      return { fields: {}, raw: r.raw, line: r.line, parseError: `${where}: expected ${header.length} fields (${header.join(',')}), found ${r.cells.length}` };
    }
    const fields: Record<string, string | null> = {};
    // an unquoted empty cell is NULL; a quoted "" is an empty string
    header.forEach((h, k) => (fields[h] = r.cells[k] === '' && !r.quoted[k] ? null : r.cells[k]));
    return { fields, raw: r.raw, line: r.line, parseError: null };
  });
}
