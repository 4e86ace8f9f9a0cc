/**
 * The daily pipeline as a DAG derived from the dataset declarations, plus the pure
 * scheduling rules the workflows apply to it (readiness, skip propagation, selection).
 *
 * No runtime imports on purpose: workflow code (Temporal's deterministic sandbox) imports
 * this file, so it must stay free of Node APIs and I/O. The DAG itself is plain JSON data:
 * an activity computes it from `datasets()` and the workflow receives it through history,
 * so a replay sees the same graph even if the declarations changed since.
 */

export type TaskLayer = 'bronze' | 'silver' | 'gold';
export const LAYERS: readonly TaskLayer[] = ['bronze', 'silver', 'gold'];

export interface RetrySpec {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

/** What the DAG needs from a dataset declaration (a structural subset of pipeline's DatasetDeclaration). */
export interface DagDeclaration {
  name: string;
  layer: string;
  /** Present: a source dataset (bronze + silver tasks). Absent: a derived, gold dataset. */
  source?: unknown;
  reads?: string[];
  /** Optional orchestration overrides; missing fields take DEFAULT_* below. */
  retry?: Partial<RetrySpec>;
  timeoutMs?: number;
  heartbeatTimeoutMs?: number;
  /** Business keys and the date column: silver dedups against earlier dates unless the keys hold the date. */
  keys?: string[];
  dateColumn?: string;
  /** How a read table is read: 'history' (a window of dates) and 'asof' (the latest date up to D) reach earlier dates. */
  readSpecs?: Record<string, { mode: string }>;
}

export interface DagTask {
  id: string; // '<layer>.<dataset>'
  dataset: string;
  layer: TaskLayer;
  deps: string[]; // task ids, sorted
  retry: RetrySpec;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs: number;
  /**
   * The task reads what earlier dates wrote (silver dedup against earlier dates, a window or
   * as-of read), so its days must run in date order to give what daily runs give. Absent in
   * DAGs recorded before it existed.
   */
  readsEarlierDates?: boolean;
}

export interface Dag {
  /** In topological order (ties broken by layer, then id), so the order is reproducible. */
  tasks: DagTask[];
}

export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

export const DEFAULT_RETRY: RetrySpec = { maximumAttempts: 3, initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 30_000 };
export const DEFAULT_TIMEOUT_MS = 30 * 60_000;
/** The activity heartbeats every 5 s; 20 s without one means the worker died and another retries it. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 20_000;

export class DagError extends Error {
  constructor(message: string, readonly tasks: string[] = []) {
    super(message);
    this.name = 'DagError';
  }
}

const TASK_ID = /^(bronze|silver|gold)\.[A-Za-z_][A-Za-z0-9_]*$/;

function layerRank(l: TaskLayer): number {
  return LAYERS.indexOf(l);
}

function positive(value: number | undefined, fallback: number, what: string, dataset: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new DagError(`dataset "${dataset}": ${what} must be a positive number, got ${JSON.stringify(value)}`, []);
  }
  return value;
}

function retryOf(d: DagDeclaration): RetrySpec {
  const r = d.retry ?? {};
  const spec: RetrySpec = {
    maximumAttempts: positive(r.maximumAttempts, DEFAULT_RETRY.maximumAttempts, 'retry.maximumAttempts', d.name),
    initialIntervalMs: positive(r.initialIntervalMs, DEFAULT_RETRY.initialIntervalMs, 'retry.initialIntervalMs', d.name),
    backoffCoefficient: positive(r.backoffCoefficient, DEFAULT_RETRY.backoffCoefficient, 'retry.backoffCoefficient', d.name),
    maximumIntervalMs: positive(r.maximumIntervalMs, DEFAULT_RETRY.maximumIntervalMs, 'retry.maximumIntervalMs', d.name),
  };
  if (spec.backoffCoefficient < 1) throw new DagError(`dataset "${d.name}": retry.backoffCoefficient must be >= 1`);
  return spec;
}

/**
 * Derive the DAG: a source dataset (one with `source`) gives `bronze.<name>` (no deps)
 * and `silver.<name>` (its bronze plus what it reads); a dataset without a source is
 * derived and gives `gold.<name>` depending on what it reads (as pipeline's tasksOf). Refuses duplicates, malformed ids, missing deps and cycles,
 * naming the tasks involved.
 */
export function buildDag(declarations: readonly DagDeclaration[]): Dag {
  const seen = new Set<string>();
  const tasks = new Map<string, DagTask>();
  for (const d of declarations) {
    if (!d || typeof d.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(d.name)) {
      throw new DagError(`invalid dataset name ${JSON.stringify(d?.name)} (letters, digits, underscore)`);
    }
    if (seen.has(d.name)) throw new DagError(`dataset "${d.name}" is declared twice`);
    seen.add(d.name);
    const reads = d.reads ?? [];
    for (const r of reads) {
      if (!TASK_ID.test(r)) throw new DagError(`dataset "${d.name}" reads "${r}": expected '<bronze|silver|gold>.<dataset>'`, [r]);
    }
    const earlierReads = Object.values(d.readSpecs ?? {}).some((r) => r.mode === 'history' || r.mode === 'asof');
    const crossDayKeys = (d.keys ?? []).length > 0 && !(d.keys ?? []).includes(d.dateColumn ?? 'date');
    const common = {
      dataset: d.name,
      retry: retryOf(d),
      startToCloseTimeoutMs: positive(d.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs', d.name),
      heartbeatTimeoutMs: positive(d.heartbeatTimeoutMs, DEFAULT_HEARTBEAT_TIMEOUT_MS, 'heartbeatTimeoutMs', d.name),
    };
    if (d.source === undefined || d.source === null) {
      // No source: a derived (gold) dataset, one task.
      const id = `gold.${d.name}`;
      tasks.set(id, { id, layer: 'gold', deps: uniqSorted(reads.filter((r) => r !== id)), ...common, readsEarlierDates: earlierReads });
    } else {
      const bronze = `bronze.${d.name}`;
      const silver = `silver.${d.name}`;
      tasks.set(bronze, { id: bronze, layer: 'bronze', deps: [], ...common, readsEarlierDates: false });
      tasks.set(silver, { id: silver, layer: 'silver', deps: uniqSorted([bronze, ...reads.filter((r) => r !== silver)]), ...common, readsEarlierDates: earlierReads || crossDayKeys });
    }
  }
  const missing: string[] = [];
  for (const t of tasks.values()) {
    for (const dep of t.deps) if (!tasks.has(dep)) missing.push(`${t.id} -> ${dep}`);
  }
  if (missing.length) {
    throw new DagError(`missing dependency: ${missing.join(', ')} (no dataset declares the task on the right)`, missing.map((m) => m.split(' -> ')[1]!));
  }
  const dag = { tasks: topoSort([...tasks.values()]) };
  checkPartitionOrder(dag);
  return dag;
}

/**
 * Partitions (one dataset, one date) run as units, so the datasets must be acyclic too:
 * A's silver reading B's silver while B's silver reads A's bronze is acyclic per task but
 * would leave both partitions waiting for each other (a partition's tasks are decided when
 * it finishes). `nextPartition`'s no-deadlock argument rests on this order.
 */
function checkPartitionOrder(dag: Dag): void {
  const plans = partitions(dag);
  const datasetOf = new Map(dag.tasks.map((t) => [t.id, t.dataset]));
  const asTasks: DagTask[] = plans.map((p) => ({
    id: p.dataset,
    dataset: p.dataset,
    layer: 'bronze',
    deps: [...new Set(p.externalDeps.map((d) => datasetOf.get(d)!))],
    retry: DEFAULT_RETRY,
    startToCloseTimeoutMs: 0,
    heartbeatTimeoutMs: 0,
  }));
  try {
    topoSort(asTasks);
  } catch (e) {
    if (e instanceof DagError) throw new DagError(`datasets wait for each other (partitions run as units): ${e.message.replace('dependency cycle: ', '')}`, e.tasks);
    throw e;
  }
}

function uniqSorted(xs: string[]): string[] {
  return [...new Set(xs)].sort();
}

function compareTasks(a: DagTask, b: DagTask): number {
  return layerRank(a.layer) - layerRank(b.layer) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Kahn's algorithm with a deterministic tie-break; a cycle is refused naming its tasks. */
export function topoSort(tasks: DagTask[]): DagTask[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const indeg = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const t of tasks) {
    indeg.set(t.id, t.deps.filter((d) => byId.has(d)).length);
    for (const d of t.deps) if (byId.has(d)) (children.get(d) ?? children.set(d, []).get(d)!).push(t.id);
  }
  const ready = tasks.filter((t) => indeg.get(t.id) === 0).sort(compareTasks);
  const out: DagTask[] = [];
  while (ready.length) {
    const t = ready.shift()!;
    out.push(t);
    for (const c of children.get(t.id) ?? []) {
      const n = indeg.get(c)! - 1;
      indeg.set(c, n);
      if (n === 0) {
        ready.push(byId.get(c)!);
        ready.sort(compareTasks);
      }
    }
  }
  if (out.length !== tasks.length) {
    const cycle = findCycle(tasks.filter((t) => indeg.get(t.id)! > 0), byId);
    throw new DagError(`dependency cycle: ${cycle.join(' -> ')}`, cycle.slice(0, -1));
  }
  return out;
}

function findCycle(stuck: DagTask[], byId: Map<string, DagTask>): string[] {
  // Every stuck task has a stuck dep, so walking deps from any of them must revisit a task.
  const stuckIds = new Set(stuck.map((t) => t.id));
  const start = [...stuckIds].sort()[0]!;
  const path: string[] = [];
  const index = new Map<string, number>();
  let cur = start;
  while (!index.has(cur)) {
    index.set(cur, path.length);
    path.push(cur);
    cur = byId.get(cur)!.deps.filter((d) => stuckIds.has(d)).sort()[0]!;
  }
  const cyc = path.slice(index.get(cur)!);
  // Print in execution direction (dep before dependant), closed.
  const forward = cyc.reverse();
  return [...forward, forward[0]!];
}

/** Every task downstream of `ids` (not including them), transitively. */
export function downstreamOf(dag: Dag, ids: Iterable<string>): Set<string> {
  const children = new Map<string, string[]>();
  for (const t of dag.tasks) for (const d of t.deps) (children.get(d) ?? children.set(d, []).get(d)!).push(t.id);
  const out = new Set<string>();
  const stack = [...ids];
  while (stack.length) {
    const id = stack.pop()!;
    for (const c of children.get(id) ?? []) if (!out.has(c)) { out.add(c); stack.push(c); }
  }
  return out;
}

/**
 * The sub-DAG of the chosen tasks. Edges to tasks outside the selection are dropped:
 * those upstream partitions are taken as already produced (as when replaying a failure).
 * Unknown names are refused.
 */
export function selectDag(dag: Dag, sel: { datasets?: string[]; tasks?: string[]; withDownstream?: boolean }): Dag {
  const all = new Set(dag.tasks.map((t) => t.id));
  const allDatasets = new Set(dag.tasks.map((t) => t.dataset));
  let chosen: Set<string> | undefined;
  if (sel.datasets && sel.datasets.length) {
    const unknown = sel.datasets.filter((d) => !allDatasets.has(d));
    if (unknown.length) throw new DagError(`unknown dataset(s): ${unknown.join(', ')} (known: ${[...allDatasets].sort().join(', ')})`, unknown);
    chosen = new Set(dag.tasks.filter((t) => sel.datasets!.includes(t.dataset)).map((t) => t.id));
  }
  if (sel.tasks && sel.tasks.length) {
    const unknown = sel.tasks.filter((t) => !all.has(t));
    if (unknown.length) throw new DagError(`unknown task(s): ${unknown.join(', ')}`, unknown);
    const ts = new Set(sel.tasks);
    chosen = chosen ? new Set([...chosen].filter((t) => ts.has(t))) : ts;
  }
  if (!chosen) return dag;
  if (sel.withDownstream) for (const d of downstreamOf(dag, chosen)) chosen.add(d);
  return {
    tasks: dag.tasks.filter((t) => chosen!.has(t.id)).map((t) => ({ ...t, deps: t.deps.filter((d) => chosen!.has(d)) })),
  };
}

/**
 * How many days a range may run at once: `requested`, or 1 when a task of `dag` reads what
 * earlier dates wrote (then day D+1 must see day D's output, as daily runs would). `inOrderFor`
 * names those tasks.
 */
export function daysAtOnce(dag: Dag, requested: number): { width: number; inOrderFor: string[] } {
  const inOrderFor = dag.tasks.filter((t) => t.readsEarlierDates).map((t) => t.id);
  return { width: inOrderFor.length ? 1 : requested, inOrderFor };
}

/**
 * A date range in two phases per day: `ordered` holds the tasks that read what earlier dates
 * wrote and everything downstream of them; `ahead` the rest. Those read only their own date's
 * inputs (as-of and history reads stop at the date), so a day's `ahead` tasks may run while the
 * day before runs its `ordered` ones, and the range still gives what one day after another gives.
 */
export function pipelinePhases(dag: Dag): { ahead: string[]; ordered: string[] } {
  const roots = dag.tasks.filter((t) => t.readsEarlierDates).map((t) => t.id);
  const ordered = new Set([...roots, ...downstreamOf(dag, roots)]);
  return { ahead: dag.tasks.filter((t) => !ordered.has(t.id)).map((t) => t.id), ordered: dag.tasks.filter((t) => ordered.has(t.id)).map((t) => t.id) };
}

export function isDone(s: TaskState | undefined): boolean {
  return s === 'succeeded' || s === 'failed' || s === 'skipped';
}

/**
 * Skip propagation: a pending task with a failed or skipped dependency becomes skipped
 * (upstream failed). Returns the new states; the input is not modified.
 */
export function propagateSkips(dag: Dag, states: Readonly<Record<string, TaskState>>): Record<string, TaskState> {
  const next = { ...states };
  // Topological order makes one pass enough: a dep is decided before its dependants.
  for (const t of dag.tasks) {
    if ((next[t.id] ?? 'pending') !== 'pending') continue;
    if (t.deps.some((d) => next[d] === 'failed' || next[d] === 'skipped')) next[t.id] = 'skipped';
  }
  return next;
}

/** Pending tasks whose dependencies all succeeded. */
export function readyTasks(dag: Dag, states: Readonly<Record<string, TaskState>>): string[] {
  return dag.tasks
    .filter((t) => (states[t.id] ?? 'pending') === 'pending' && t.deps.every((d) => states[d] === 'succeeded'))
    .map((t) => t.id);
}

/** One (dataset, date) partition: the dataset's tasks in order and the tasks of other datasets it waits for. */
export interface PartitionPlan {
  dataset: string;
  tasks: string[];
  externalDeps: string[];
}

export function partitions(dag: Dag): PartitionPlan[] {
  const out = new Map<string, PartitionPlan>();
  const datasetOf = new Map(dag.tasks.map((t) => [t.id, t.dataset]));
  for (const t of dag.tasks) {
    const p = out.get(t.dataset) ?? out.set(t.dataset, { dataset: t.dataset, tasks: [], externalDeps: [] }).get(t.dataset)!;
    p.tasks.push(t.id);
    for (const d of t.deps) if (datasetOf.get(d) !== t.dataset && !p.externalDeps.includes(d)) p.externalDeps.push(d);
  }
  for (const p of out.values()) p.externalDeps.sort();
  return [...out.values()];
}

/** Where a partition may start now, and which outside deps it must still be told about. */
export interface PartitionStart {
  plan: PartitionPlan;
  /** Its tasks to run, in order: the pending ones (tasks skipped by a failure upstream are left out). */
  tasks: string[];
  /** Outside deps of those tasks not decided yet: the partition waits for each before the task needing it. */
  awaiting: string[];
}

/**
 * The next partition to start, or undefined. A partition may start as soon as its first
 * task that can still run has every outside dep decided (so `bronze.transactions` need not
 * wait for `silver.customers`); its later tasks wait inside it for their own outside deps.
 * Run `propagateSkips` first: then a decided outside dep of a pending task has succeeded.
 *
 * A partition that would wait (some outside dep undecided) starts only when every partition
 * owning such a dep has started: it then holds a slot of maxParallel while waiting only for
 * partitions that already hold theirs, so it can never keep what it waits for from starting.
 * Induction over the dataset order (acyclic, `checkPartitionOrder`) gives progress: the
 * earliest started, unfinished partition waits for nothing, so it finishes and frees its slot.
 * Partitions that can run to the end without waiting come first, as they use a slot fully.
 */
export function nextPartition(dag: Dag, plans: PartitionPlan[], states: Readonly<Record<string, TaskState>>, started: ReadonlySet<string>): PartitionStart | undefined {
  const byId = new Map(dag.tasks.map((t) => [t.id, t]));
  let early: PartitionStart | undefined;
  for (const plan of plans) {
    if (started.has(plan.dataset)) continue;
    const tasks = plan.tasks.filter((id) => (states[id] ?? 'pending') === 'pending');
    if (!tasks.length) continue;
    const outside = (id: string) => byId.get(id)!.deps.filter((d) => byId.get(d)!.dataset !== plan.dataset);
    if (!outside(tasks[0]!).every((d) => isDone(states[d]))) continue;
    const awaiting = [...new Set(tasks.flatMap((id) => outside(id).filter((d) => !isDone(states[d]))))].sort();
    if (!awaiting.length) return { plan, tasks, awaiting };
    if (!early && awaiting.every((d) => started.has(byId.get(d)!.dataset))) early = { plan, tasks, awaiting };
  }
  return early;
}

/** `financelake dag`: one line per task with what it waits for, in execution order. */
export function renderDag(dag: Dag): string {
  const width = Math.max(...dag.tasks.map((t) => t.id.length), 4);
  const lines = dag.tasks.map((t) => `${t.id.padEnd(width)}  <- ${t.deps.length ? t.deps.join(', ') : '(source)'}`);
  const edges = dag.tasks.reduce((n, t) => n + t.deps.length, 0);
  return [`${dag.tasks.length} tasks, ${edges} edges (execution order):`, ...lines].join('\n');
}

/** Graphviz dot, for `financelake dag --dot`. */
export function dagToDot(dag: Dag): string {
  const lines = ['digraph financelake {', '  rankdir=LR;'];
  for (const t of dag.tasks) lines.push(`  "${t.id}" [shape=box];`);
  for (const t of dag.tasks) for (const d of t.deps) lines.push(`  "${d}" -> "${t.id}";`);
  lines.push('}');
  return lines.join('\n');
}
