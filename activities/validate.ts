/**
 * Everything about the declarations that can be wrong before any data moves: the DAG
 * (cycles, missing deps), pipeline's own checks, and each quality suite against its schema.
 * The worker runs it at start and refuses to start on a problem, naming it.
 */
import { buildDag, DagError, type Dag } from '../pipeline/dag';
import { datasets, declarationProblems, type DatasetDeclaration } from '../pipeline';
import { Engine } from '../lakehouse';
import { checkSuite, verifySuite, type QualitySuite } from '../quality';

interface SuiteInput {
  dataset: string;
  suite: QualitySuite;
  columns: { name: string; type: string }[];
  references: Record<string, { name: string }[]>;
}

/** Each declared suite with the columns it runs over (silver schema + bronze-only fields) and the tables it may reference. */
function suiteInputs(decls: DatasetDeclaration[]): SuiteInput[] {
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
  return decls
    .filter((d) => d.quality)
    .map((d) => {
      const columns = [...d.schema, ...(d.sourceFields ?? []).filter((f) => !d.schema.some((s) => s.name === f.name))];
      return { dataset: d.name, suite: d.quality!, columns: columns.map((f) => ({ name: f.name, type: f.type })), references };
    });
}

function suiteRefused(dataset: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const err = new Error(`dataset '${dataset}': quality suite refused: ${msg}`);
  err.name = 'SuiteError';
  return err;
}

export function validateDeclarations(decls: DatasetDeclaration[] = datasets()): Dag {
  const problems = declarationProblems(decls);
  if (problems.length) throw new DagError(`invalid dataset declarations:\n  - ${problems.join('\n  - ')}`);
  const dag = buildDag(decls);
  for (const s of suiteInputs(decls)) {
    try {
      checkSuite(s.suite, s.columns, s.references);
    } catch (e) {
      throw suiteRefused(s.dataset, e);
    }
  }
  return dag;
}

/**
 * What only DuckDB can judge (RE2 accepts each regex, sql expressions bind and are boolean,
 * bounds and set values cast to the column type), for every declared suite. Runs on a small
 * throw-away engine so the check needs no warehouse and no service.
 */
export async function verifyQualitySuites(decls: DatasetDeclaration[] = datasets()): Promise<void> {
  const engine = await Engine.create({ threads: 1, memoryLimit: '256MB' });
  try {
    const conn = await engine.connect();
    try {
      for (const s of suiteInputs(decls)) {
        try {
          await verifySuite(conn, s.suite, s.columns, s.references);
        } catch (e) {
          throw suiteRefused(s.dataset, e);
        }
      }
    } finally {
      conn.closeSync();
    }
  } finally {
    await engine.close();
  }
}

/** The worker's start-up check: declarations and DAG, then the suites in DuckDB. Throws naming dataset, rule and problem. */
export async function validateWorkerStart(decls: DatasetDeclaration[] = datasets()): Promise<Dag> {
  const dag = validateDeclarations(decls);
  await verifyQualitySuites(decls);
  return dag;
}
