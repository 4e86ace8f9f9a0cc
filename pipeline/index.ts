/**
 * pipeline/: the datasets as declarations (schema, keys, partitions, quality suite, SQL of each
 * layer), one generic `runTask` that runs any declaration at any layer, and the deterministic
 * sample-data generator. See docs/pipeline.md.
 */
export type {
  Layer,
  FileFormat,
  FilesSource,
  KafkaSource,
  DatasetSource,
  ReadSpec,
  TransformSql,
  DatasetDeclaration,
  TaskSpec,
  TaskInput,
  TaskContext,
  TaskResult,
  DefectKind,
  GeneratedFile,
  GenerateSummary,
  GenerateOptions,
  ProduceTicksOptions,
} from './types';
export { QualityFailure, SchemaMismatch, UnknownDataset } from './errors';
export { datasets, dataset, tasks, tasksOf, task, parseTaskId, tableOf, declarationProblems } from './registry';
export { runTask } from './run/run-task';
export { generate } from './generate/generate';
export { produceTicks, DEFAULT_TOPIC } from './generate/produce';
export { generateData } from './generate/generate';
export type { GeneratedData, GeneratedDay } from './generate/generate';
export { generateTicks, symbolSpecs, DEFAULT_SYMBOLS } from './generate/market';
export type { GeneratedTick, Tick, SymbolSpec } from './generate/market';
export type { Customer, FxRate, Transaction, GeneratedRecord } from './generate/records';
export { BUSINESS_DATE_HEADER, partitionAppId } from './run/bronze-kafka';
export { fileAppId } from './run/bronze-files';
export { InvariantViolation } from './run/silver';
export { replayQuarantined } from './run/replay';
export type { QuarantineReplay } from './run/replay';
