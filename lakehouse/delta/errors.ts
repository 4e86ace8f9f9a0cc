/** Errors of the Delta layer; each names the table, and the version and file where one applies. */

export class DeltaError extends Error {
  constructor(
    readonly table: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`table ${table}: ${message}`, options);
    this.name = 'DeltaError';
  }
}

/** A commit file that is not valid newline-delimited actions (cut short, garbled, wrong shape). */
export class CorruptCommitError extends DeltaError {
  constructor(table: string, readonly version: number, readonly file: string, readonly line: number, detail: string) {
    super(table, `corrupt commit at version ${version} (${file}, line ${line}): ${detail}`);
    this.name = 'CorruptCommitError';
  }
}

/** The log is not a usable sequence: a missing version, a checkpoint not matching _last_checkpoint, no table at all. */
export class LogError extends DeltaError {
  constructor(table: string, readonly version: number | undefined, readonly file: string | undefined, detail: string, options?: { cause?: unknown }) {
    super(table, `${detail}${version !== undefined ? ` (version ${version}` : ''}${file ? `${version !== undefined ? ', ' : ' ('}${file})` : version !== undefined ? ')' : ''}`, options);
    this.name = 'LogError';
  }
}

export class TableNotFoundError extends DeltaError {
  constructor(table: string, location: string) {
    super(table, `no Delta table at ${location} (no _delta_log commits)`);
    this.name = 'TableNotFoundError';
  }
}

export class TableExistsError extends DeltaError {
  constructor(table: string, location: string) {
    super(table, `a Delta table already exists at ${location}`);
    this.name = 'TableExistsError';
  }
}

/** The protocol asks for something we cannot read (or write) correctly: refuse rather than read wrong rows. */
export class UnsupportedFeatureError extends DeltaError {
  constructor(table: string, readonly feature: string, readonly version: number, readonly file?: string) {
    super(table, `unsupported table feature ${feature} at version ${version}${file ? ` (${file})` : ''}`);
    this.name = 'UnsupportedFeatureError';
  }
}

/** Another writer committed something this transaction's reads depended on. */
export class ConcurrentModificationError extends DeltaError {
  constructor(table: string, readonly readVersion: number, readonly winningVersion: number, readonly reason: string) {
    super(table, `concurrent modification: version ${winningVersion} conflicts with this transaction (read at version ${readVersion}): ${reason}`);
    this.name = 'ConcurrentModificationError';
  }
}

/** A write whose columns or types do not match the table; nothing was written. */
export class SchemaMismatchError extends DeltaError {
  constructor(table: string, readonly column: string, readonly expected: string | undefined, readonly actual: string | undefined, detail?: string) {
    super(
      table,
      detail ??
        (expected === undefined
          ? `schema mismatch: column ${column} (${actual}) is not in the table schema (use mergeSchema to add it)`
          : actual === undefined
            ? `schema mismatch: column ${column} (${expected}) is missing from the written data`
            : `schema mismatch: column ${column} is ${expected} in the table but ${actual} in the written data`),
    );
    this.name = 'SchemaMismatchError';
  }
}

/** A data file listed in the snapshot is not in the store. */
export class MissingFileError extends DeltaError {
  constructor(table: string, readonly version: number, readonly file: string) {
    super(table, `data file missing at version ${version}: ${file}`);
    this.name = 'MissingFileError';
  }
}
