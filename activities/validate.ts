/**
 * Everything about the declarations that can be wrong before any data moves: the DAG
 * (cycles, missing deps), pipeline's own checks, and each quality suite against its schema.
 * The worker runs it at start and refuses to start on a problem, naming it.
 */
import { buildDag, DagError, type Dag } from '../pipeline/dag';
import { datasets, declarationProblems, type DatasetDeclaration } from '../pipeline';
import { checkSuite } from '../quality';

export function validateDeclarations(decls: DatasetDeclaration[] = datasets()): Dag {
  const problems = declarationProblems(decls);
  if (problems.length) throw new DagError(`invalid dataset declarations:\n  - ${problems.join('\n  - ')}`);
  const dag = buildDag(decls);
  // Tables a suite may reference (foreign_key): every task's output table and its columns.
  const references: Record<string, { name: string }[]> = {};
  for (const d of decls) {
    const cols = d.schema.map((f) => ({ name: f.name }));
    if (d.source) {
      references[`silver.${d.name}`] = cols;
      references[`bronze.${d.name}`] = (d.sourceFields ?? []).map((f) => ({ name: f.name }));
    } else {
      references[`gold.${d.name}`] = cols;
    }
  }
  for (const d of decls) {
    if (!d.quality) continue;
    const columns = [...d.schema, ...(d.sourceFields ?? []).filter((f) => !d.schema.some((s) => s.name === f.name))];
    try {
      checkSuite(d.quality, columns.map((f) => ({ name: f.name, type: f.type })), references);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const err = new Error(`dataset '${d.name}': quality suite refused: ${msg}`);
      err.name = 'SuiteError';
      throw err;
    }
  }
  return dag;
}
