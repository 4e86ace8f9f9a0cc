import type { QualitySuite } from './types';

/** ajv validation of raw JSON records (compiled once per suite); errors like "field /amount: must be number". */
export function validateJsonRecords(
  _suite: QualitySuite,
  _records: { rowId: number; raw: string }[],
): { valid: number[]; invalid: { rowId: number; raw: string; errors: string[] }[] } {
  throw new Error('validateJsonRecords: not implemented yet');
}
