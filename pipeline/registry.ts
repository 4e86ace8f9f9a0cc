/**
 * The declarations as a registry: look-up by name, the task list the DAG is derived from, and
 * the checks that every `reads` names an existing task. Pure: safe to import from workflow code.
 */
import { DECLARATIONS } from './datasets';
import { UnknownDataset } from './errors';
import type { DatasetDeclaration, Layer, TaskSpec } from './types';

export function datasets(): DatasetDeclaration[] {
  return [...DECLARATIONS];
}

export function dataset(name: string): DatasetDeclaration {
  const found = DECLARATIONS.find((d) => d.name === name);
  if (!found) throw new UnknownDataset(name, DECLARATIONS.map((d) => d.name));
  return found;
}

/** Source datasets (with `source`) have a bronze and a silver task; gold datasets one gold task. */
export function tasksOf(decl: DatasetDeclaration): TaskSpec[] {
  if (decl.source) {
    return [
      { id: `bronze.${decl.name}`, dataset: decl.name, layer: 'bronze', reads: [] },
      { id: `silver.${decl.name}`, dataset: decl.name, layer: 'silver', reads: [...decl.reads] },
    ];
  }
  return [{ id: `gold.${decl.name}`, dataset: decl.name, layer: 'gold', reads: [...decl.reads] }];
}

/** Every task of every declaration: the nodes of the daily DAG, edges from `reads`. */
export function tasks(): TaskSpec[] {
  return DECLARATIONS.flatMap(tasksOf);
}

export function parseTaskId(taskId: string): { layer: Layer; dataset: string } {
  const m = /^(bronze|silver|gold)\.([a-z0-9_]+)$/.exec(taskId);
  if (!m) throw new UnknownDataset(taskId, tasks().map((t) => t.id));
  return { layer: m[1] as Layer, dataset: m[2] };
}

export function task(taskId: string): TaskSpec {
  const found = tasks().find((t) => t.id === taskId);
  if (!found) throw new UnknownDataset(taskId, tasks().map((t) => t.id));
  return found;
}

/** The table a task writes: 'bronze.transactions', 'silver.customers', 'gold.daily_ohlcv'. */
export function tableOf(taskId: string): string {
  return task(taskId).id;
}

/**
 * Problems with the declarations as a whole: duplicate names, a `reads` naming no task, a task
 * reading itself, a partition date column missing from the schema. Empty when all is well.
 */
export function declarationProblems(decls: readonly DatasetDeclaration[] = DECLARATIONS): string[] {
  const problems: string[] = [];
  const ids = new Set(decls.flatMap(tasksOf).map((t) => t.id));
  const names = new Set<string>();
  for (const d of decls) {
    if (names.has(d.name)) problems.push(`dataset '${d.name}' is declared twice`);
    names.add(d.name);
    const own = tasksOf(d).map((t) => t.id);
    for (const r of d.reads) {
      if (!ids.has(r)) problems.push(`dataset '${d.name}' reads '${r}', which no declaration defines`);
      if (own.includes(r) && r !== `bronze.${d.name}`) problems.push(`dataset '${d.name}' reads its own task '${r}'`);
    }
    for (const r of Object.keys(d.readSpecs ?? {})) {
      if (!d.reads.includes(r)) problems.push(`dataset '${d.name}' has a readSpec for '${r}', which is not in reads`);
    }
    const dateCol = d.dateColumn ?? 'date';
    if (!d.schema.some((f) => f.name === dateCol)) problems.push(`dataset '${d.name}' has no partition date column '${dateCol}' in its schema`);
    if (d.partitionColumns[0] !== dateCol) problems.push(`dataset '${d.name}': the first partition column must be '${dateCol}'`);
    for (const p of d.partitionColumns) {
      if (!d.schema.some((f) => f.name === p)) problems.push(`dataset '${d.name}': partition column '${p}' is not in the schema`);
    }
    for (const k of d.keys ?? []) {
      if (!d.schema.some((f) => f.name === k)) problems.push(`dataset '${d.name}': key '${k}' is not in the schema`);
    }
    if (d.source && !d.sourceFields?.length) problems.push(`dataset '${d.name}' has a source but no sourceFields`);
    if (d.source && !d.reads.includes(`bronze.${d.name}`)) problems.push(`dataset '${d.name}': its silver task must read 'bronze.${d.name}'`);
    if (!d.source && !d.transformSql?.gold) problems.push(`dataset '${d.name}' has neither a source nor a gold SQL`);
  }
  return problems;
}
