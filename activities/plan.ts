/** planDag: the DAG of the declarations, computed in an activity so history records it. */
import { ApplicationFailure } from '@temporalio/activity';
import { DagError, selectDag, type Dag } from '../pipeline/dag';
import { validateDeclarations } from './validate';
import type { PlanDagInput } from './types';

export async function planDag(input: PlanDagInput = {}): Promise<Dag> {
  try {
    const dag = validateDeclarations();
    return input.datasets?.length ? selectDag(dag, { datasets: input.datasets }) : dag;
  } catch (e) {
    if (e instanceof DagError || (e instanceof Error && e.name === 'SuiteError')) {
      throw ApplicationFailure.create({ message: e.message, type: e.name, nonRetryable: true });
    }
    throw e;
  }
}
