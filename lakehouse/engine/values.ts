/**
 * DuckDB values to plain JS: what Engine.all returns. BIGINT becomes a number when it fits
 * exactly (else a decimal string), DECIMAL a number (string when it would lose digits),
 * DATE 'YYYY-MM-DD', TIMESTAMP/TIMESTAMPTZ an ISO-8601 UTC string with milliseconds.
 */
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampNanosecondsValue,
  type DuckDBValue,
} from '@duckdb/node-api';

export function toJs(value: DuckDBValue): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (typeof value !== 'object') return value;
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return microsToIso(value.micros);
  if (value instanceof DuckDBTimestampMillisecondsValue) return new Date(Number(value.millis)).toISOString();
  if (value instanceof DuckDBTimestampSecondsValue) return new Date(Number(value.seconds) * 1000).toISOString();
  if (value instanceof DuckDBTimestampNanosecondsValue) return microsToIso(value.nanos / 1000n);
  if (value instanceof DuckDBDecimalValue) {
    const s = value.toString();
    const n = Number(s);
    return Number.isFinite(n) && Math.abs(n) < 2 ** 53 && String(n) === stripZeros(s) ? n : s;
  }
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes);
  if (value instanceof DuckDBListValue) return value.items.map(toJs);
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = toJs(v);
    return out;
  }
  if (value instanceof DuckDBMapValue) {
    const out: Record<string, unknown> = {};
    for (const { key, value: v } of value.entries) out[String(toJs(key))] = toJs(v);
    return out;
  }
  return String(value);
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s.replace(/^-0$/, '0');
  const t = s.replace(/0+$/, '').replace(/\.$/, '');
  return t === '-0' ? '0' : t;
}

export function microsToIso(micros: bigint): string {
  // Floor division so pre-1970 instants round towards -infinity, like the stored value.
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  return new Date(Number(ms)).toISOString();
}
