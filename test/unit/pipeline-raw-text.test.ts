/**
 * The rule that rebuilds a bronze row's text is the bronze table's, recorded when it is created:
 * a later change of the declaration stops staging from dropping text, and never changes how rows
 * already stored come back.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse, type Engine } from '../../lakehouse';
import { dataset } from '../../pipeline';
import { RAW_TEXT_PROPERTY, rawTextSpecOf, readingRawTextSpec, stagingRawTextSpec, storedRawTextSpec } from '../../pipeline/run/raw-text';
import { bronzeDefinition, ensureTable } from '../../pipeline/run/tables';
import type { DatasetDeclaration } from '../../pipeline/types';
import { cleanupDirs, tempDir, testEngine } from '../helpers/lakehouse';

let engine: Engine;
let warehouse: Warehouse;
beforeAll(async () => {
  engine = await testEngine();
  warehouse = await Warehouse.open(path.join(await tempDir('raw-text-'), 'warehouse'), { engine });
});
afterAll(async () => {
  await engine?.close();
  await cleanupDirs();
});

describe('the bronze table holds the rule for records stored without their text', () => {
  const decl = dataset('transactions');
  // the same fields, amount now declared as text: a JSON record's amount would be quoted
  const retyped = { ...decl, sourceFields: decl.sourceFields!.map((f) => (f.name === 'amount' ? { ...f, type: 'string' } : f)) } as DatasetDeclaration;

  it('records the rule at creation, and staging uses it while the declaration matches', async () => {
    const table = await ensureTable(warehouse, 'bronze.transactions');
    expect(await storedRawTextSpec(table)).toEqual(rawTextSpecOf(decl));
    expect(rawTextSpecOf(decl).numeric).toEqual(['amount']);
    expect(await stagingRawTextSpec(table, decl)).toEqual(rawTextSpecOf(decl));
  });

  it('after a declaration change: staging keeps every text, reading keeps the recorded rule', async () => {
    const table = await ensureTable(warehouse, 'bronze.transactions');
    expect(await stagingRawTextSpec(table, retyped)).toBeUndefined();
    expect(await readingRawTextSpec(table, retyped)).toEqual(rawTextSpecOf(decl));
  });

  it('a table made before the rule existed: staging keeps every text, reading falls back to the declaration', async () => {
    const def = bronzeDefinition(decl);
    const { [RAW_TEXT_PROPERTY]: _rule, ...older } = def.properties!;
    const table = await warehouse.createTable('bronze.older', { ...def, properties: older });
    expect(await storedRawTextSpec(table)).toBeUndefined();
    expect(await stagingRawTextSpec(table, decl)).toBeUndefined();
    expect(await readingRawTextSpec(table, retyped)).toEqual(rawTextSpecOf(retyped));
  });
});
