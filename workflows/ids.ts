/** Workflow ids: deterministic, so a partition or a day's run can be found, reset and replayed on its own. */

export function partitionWorkflowId(dataset: string, date: string): string {
  return `financelake/${dataset}/${date}`;
}

export function dailyWorkflowId(date: string): string {
  return `financelake/daily/${date}`;
}

export const DAILY_SCHEDULE_ID = 'financelake-daily';
