/** Errors the orchestration treats as non-retryable: retrying cannot change the outcome. */

/** A FAIL-severity expectation failed for a partition; replay after fixing the cause. */
export class QualityFailure extends Error {
  constructor(
    readonly dataset: string,
    readonly date: string,
    readonly failures: { expectation: string; failed: number; message?: string }[],
  ) {
    super(
      `quality FAIL for ${dataset} ${date}: ` +
        failures.map((f) => `${f.expectation} (${f.failed} rows${f.message ? `: ${f.message}` : ''})`).join('; '),
    );
    this.name = 'QualityFailure';
  }
}

/** A table's stored schema does not match the declaration (or a source lacks a declared field). */
export class SchemaMismatch extends Error {
  constructor(
    readonly table: string,
    readonly problem: string,
  ) {
    super(`schema mismatch for ${table}: ${problem}`);
    this.name = 'SchemaMismatch';
  }
}

/** A task id or dataset name that no declaration defines. */
export class UnknownDataset extends Error {
  constructor(readonly what: string, known: string[]) {
    super(`unknown dataset or task '${what}' (known: ${known.join(', ')})`);
    this.name = 'UnknownDataset';
  }
}
