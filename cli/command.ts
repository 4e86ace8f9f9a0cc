/** What a `financelake` sub-command is. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Resolves to the exit code; throws UsageError (2) or CommandFailed (1). */
  run(argv: string[]): Promise<number>;
}
