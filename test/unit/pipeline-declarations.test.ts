import { describe, expect, it } from 'vitest';
import { buildDag } from '../../pipeline/dag';
import { dataset, datasets, declarationProblems, parseTaskId, tasks, type DatasetDeclaration } from '../../pipeline';
import { checkSuite } from '../../quality';

const taskIds = new Set(tasks().map((t) => t.id));

describe('dataset declarations', () => {
  it('declare the nine datasets of the product', () => {
    expect(datasets().map((d) => d.name).sort()).toEqual(
      ['customer_daily_activity', 'customers', 'daily_ohlcv', 'daily_transaction_summary', 'fx_rates', 'market_ticks', 'risk_metrics', 'technical_indicators', 'transactions'].sort(),
    );
  });

  it('have no problems as a whole (reads, keys, partition columns, sources)', () => {
    expect(declarationProblems()).toEqual([]);
  });

  it('every `reads` names an existing task', () => {
    for (const d of datasets()) for (const r of d.reads) expect(taskIds.has(r), `${d.name} reads ${r}`).toBe(true);
  });

  it('derive the edges the product needs', () => {
    const reads = Object.fromEntries(tasks().map((t) => [t.id, t.reads]));
    expect(reads['silver.transactions']).toEqual(expect.arrayContaining(['bronze.transactions', 'silver.customers', 'silver.fx_rates']));
    expect(reads['gold.customer_daily_activity']).toEqual(expect.arrayContaining(['silver.transactions', 'silver.customers']));
    expect(reads['gold.technical_indicators']).toContain('gold.daily_ohlcv');
    expect(reads['gold.risk_metrics']).toContain('gold.daily_ohlcv');
    expect(reads['bronze.transactions']).toEqual([]);
  });

  it('form an acyclic DAG for the orchestration', () => {
    const dag = buildDag(datasets());
    expect(dag.tasks.map((t) => t.id).sort()).toEqual([...taskIds].sort());
  });

  it('every placeholder in the SQL is a read, {{typed}} or {{date}}', () => {
    for (const d of datasets()) {
      for (const sql of [d.transformSql?.silver, d.transformSql?.gold]) {
        if (!sql) continue;
        for (const m of sql.matchAll(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g)) {
          expect(['typed', 'date', ...d.reads], `${d.name}: {{${m[1]}}}`).toContain(m[1]);
        }
      }
    }
  });

  it('every quality suite is well formed against the dataset columns', () => {
    for (const d of datasets()) {
      if (!d.quality) continue;
      const references: Record<string, { name: string }[]> = {};
      for (const e of d.quality.expectations) {
        if (e.rule === 'foreign_key') references[e.reference] = dataset(parseTaskId(e.reference).dataset).schema;
      }
      expect(() => checkSuite(d.quality!, d.schema.map((f) => ({ name: f.name, type: f.type })), references), d.name).not.toThrow();
    }
  });

  it('report a broken declaration by name', () => {
    const broken: DatasetDeclaration = { ...dataset('daily_ohlcv'), name: 'broken', reads: ['silver.nowhere'], partitionColumns: ['region'] };
    const problems = declarationProblems([...datasets(), broken]);
    expect(problems).toContain("dataset 'broken' reads 'silver.nowhere', which no declaration defines");
    expect(problems.some((p) => p.includes("'broken'") && p.includes('first partition column'))).toBe(true);
  });

  it('refuse unknown datasets and task ids with the known names', () => {
    expect(() => dataset('trades')).toThrow(/unknown dataset or task 'trades'.*transactions/);
    expect(() => parseTaskId('platinum.transactions')).toThrow(/platinum\.transactions/);
  });
});
