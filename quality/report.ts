import type { ExpectationOutcome } from './types';

export interface ReportDataset {
  dataset: string;
  outcomes: ExpectationOutcome[];
  rowsIn: number;
  passed: number;
  quarantined: number;
  duplicates: number;
}

export interface ReportRun {
  runId: string;
  date: string;
  datasets: ReportDataset[];
}

/** Self-contained HTML (inline CSS, every value escaped). */
export function renderReport(_run: ReportRun): string {
  throw new Error('renderReport: not implemented yet');
}

/** Writes the report to <dir>/quality-<date>-<runId>.html and returns the path. */
export async function writeReport(_dir: string, _run: ReportRun): Promise<string> {
  throw new Error('writeReport: not implemented yet');
}
