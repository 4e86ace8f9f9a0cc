/** Plain-text tables for the terminal. */
import type { PipelineResult } from '../workflows/progress';

export function table(headers: string[], rows: unknown[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : typeof c === 'object' ? JSON.stringify(c) : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || typeof r[i] === 'bigint'));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function pipelineSummary(r: PipelineResult): string {
  const rows = r.tasks.map((t) => [t.taskId, t.state, t.rowsIn, t.rowsOut, t.quarantined, t.duplicates, t.durationMs, t.error ?? '']);
  return table(['task', 'state', 'rows in', 'rows out', 'quarantined', 'duplicates', 'ms', 'error'], rows);
}
