/**
 * ajv validation of raw JSON records (Kafka payloads, JSON-lines files) before they are typed.
 * One validator per suite, compiled on first use and cached; draft-07 with ajv-formats.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { SuiteError, type QualitySuite } from './types';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

const cache = new WeakMap<object, ValidateFunction>();

/** The suite's compiled validator (undefined when it has no jsonSchema); throws SuiteError on a bad schema. */
export function jsonValidator(suite: QualitySuite): ValidateFunction | undefined {
  const schema = suite.jsonSchema;
  if (!schema) return undefined;
  let validate = cache.get(schema);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw new SuiteError(suite.dataset, 'jsonSchema', `does not compile: ${(err as Error).message}`);
    }
    cache.set(schema, validate);
  }
  return validate;
}

/** "field /amount: must be number"; required/additional properties name the property itself. */
export function renderAjvError(e: ErrorObject): string {
  let path = e.instancePath || '';
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `field ${path}/${params.missingProperty}: is required`;
  }
  if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    path = `${path}/${params.additionalProperty}`;
    return `field ${path}: is not allowed`;
  }
  return `field ${path || '/'}: ${e.message ?? e.keyword}`;
}

export function validateJsonRecords(
  suite: QualitySuite,
  records: { rowId: number; raw: string }[],
): { valid: number[]; invalid: { rowId: number; raw: string; errors: string[] }[] } {
  const validate = jsonValidator(suite);
  const valid: number[] = [];
  const invalid: { rowId: number; raw: string; errors: string[] }[] = [];
  for (const r of records) {
    let value: unknown;
    try {
      // A BOM at the start of a line is transport noise, not data.
      value = JSON.parse(r.raw.replace(/^\uFEFF/, ''));
    } catch (err) {
      invalid.push({ rowId: r.rowId, raw: r.raw, errors: [`malformed JSON: ${(err as Error).message}`] });
      continue;
    }
    if (!validate) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        invalid.push({ rowId: r.rowId, raw: r.raw, errors: ['record is not a JSON object'] });
      } else valid.push(r.rowId);
      continue;
    }
    if (validate(value)) valid.push(r.rowId);
    else invalid.push({ rowId: r.rowId, raw: r.raw, errors: (validate.errors ?? []).map(renderAjvError) });
  }
  return { valid, invalid };
}
