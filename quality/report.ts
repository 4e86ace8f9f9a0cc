/**
 * The HTML quality report of a run, in the manner of Great Expectations' Data Docs: per dataset
 * the invariant and each expectation with its counts and a sample of failing rows. One
 * self-contained file (inline CSS, no scripts); every value from data is escaped.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  /** when the report was made (default: now) */
  generatedAt?: Date;
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CELL_CHARS = 80;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '<span class="null">NULL</span>';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text === '') return '<span class="null">(empty)</span>';
  const shown = text.length > CELL_CHARS ? `${text.slice(0, CELL_CHARS)}…` : text;
  return `<span title="${escapeHtml(text.slice(0, 1000))}">${escapeHtml(shown)}</span>`;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const pct = (f: number): string => (f === 0 ? '0%' : f < 0.0001 ? '<0.01%' : `${(f * 100).toFixed(2)}%`);
const slug = (s: string): string => `ds-${s.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function invariantHolds(d: ReportDataset): boolean {
  return d.rowsIn === d.passed + d.quarantined + d.duplicates;
}

const CSS = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2330;background:#f5f6f8;margin:0;padding:24px 32px}
h1{font-size:24px;margin:0 0 4px} h2{font-size:19px;margin:0 0 8px} h3{font-size:15px;margin:14px 0 6px}
.meta{color:#5a6375;margin-bottom:20px}
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:16px 20px;margin:0 0 20px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid #e6e9ef;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;color:#333c4e;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;min-width:68px;text-align:center;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:700;letter-spacing:.02em;text-transform:uppercase}
.passed{background:#d8f3e0;color:#11652f}.warned{background:#fff0c2;color:#7a5200}
.dropped{background:#ffe0cc;color:#8a3400}.failed{background:#fdd8d8;color:#9b1111}
.totals{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 12px}
.totals div{background:#f5f6f8;border:1px solid #e1e4ea;border-radius:6px;padding:6px 12px}
.totals b{display:block;font-size:18px}
.msg{color:#5a6375;font-size:13px}
.sample{margin:4px 0 10px 0;overflow-x:auto}
.sample table{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;width:auto;min-width:50%}
.sample th{background:#f7f3e8}
.sample td{white-space:nowrap}
.null{color:#9aa1ae;font-style:italic}
a{color:#1a57b8}
`;

function outcomeBadge(o: ExpectationOutcome['outcome']): string {
  return `<span class="badge ${o}">${o}</span>`;
}

function sampleTable(sample: Record<string, unknown>[]): string {
  if (sample.length === 0) return '';
  const columns: string[] = [];
  for (const row of sample) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = sample.map((row) => `<tr>${columns.map((c) => `<td>${cell(row[c])}</td>`).join('')}</tr>`).join('\n');
  return `<div class="sample"><table class="sample-rows"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function datasetSection(d: ReportDataset): string {
  const ok = invariantHolds(d);
  const failing = d.outcomes.filter((o) => o.outcome !== 'passed');
  const rows = d.outcomes
    .map(
      (o) => `<tr class="expectation" data-outcome="${o.outcome}">
<td>${outcomeBadge(o.outcome)}</td><td>${escapeHtml(o.expectation)}</td><td>${escapeHtml(o.rule)}</td><td>${escapeHtml(o.severity)}</td>
<td class="num">${fmt(o.evaluated)}</td><td class="num">${fmt(o.failed)}</td><td class="num">${pct(o.failureFraction)}</td>
<td class="msg">${o.message ? escapeHtml(o.message) : ''}</td></tr>`,
    )
    .join('\n');
  const samples = failing
    .filter((o) => o.sample.length > 0)
    .map((o) => `<h3>Failing rows of ${escapeHtml(o.expectation)} <span class="msg">(first ${o.sample.length} of ${fmt(o.failed)})</span></h3>\n${sampleTable(o.sample)}`)
    .join('\n');
  return `<section id="${slug(d.dataset)}" class="dataset" data-dataset="${escapeHtml(d.dataset)}">
<h2>${escapeHtml(d.dataset)}</h2>
<div class="totals">
<div>rows in<b class="rows-in">${fmt(d.rowsIn)}</b></div><div>passed<b class="rows-passed">${fmt(d.passed)}</b></div>
<div>quarantined<b class="rows-quarantined">${fmt(d.quarantined)}</b></div><div>duplicates<b class="rows-duplicates">${fmt(d.duplicates)}</b></div>
<div>invariant: in = passed + quarantined + duplicates<b>${outcomeBadge(ok ? 'passed' : 'failed')}</b></div>
</div>
<table class="expectations"><thead><tr><th>outcome</th><th>expectation</th><th>rule</th><th>severity</th><th class="num">evaluated</th><th class="num">failed</th><th class="num">failure</th><th>expects / observed</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="8" class="msg">no expectations declared</td></tr>'}
</tbody></table>
${samples}
</section>`;
}

export function renderReport(run: ReportRun): string {
  const generated = (run.generatedAt ?? new Date()).toISOString();
  const summary = run.datasets
    .map((d) => {
      const bad = d.outcomes.filter((o) => o.outcome !== 'passed').length;
      const worst = d.outcomes.some((o) => o.outcome === 'failed') || !invariantHolds(d) ? 'failed' : d.outcomes.some((o) => o.outcome === 'dropped') ? 'dropped' : bad > 0 ? 'warned' : 'passed';
      return `<tr class="summary" data-dataset="${escapeHtml(d.dataset)}"><td>${outcomeBadge(worst)}</td><td><a href="#${slug(d.dataset)}">${escapeHtml(d.dataset)}</a></td>
<td class="num">${fmt(d.rowsIn)}</td><td class="num">${fmt(d.passed)}</td><td class="num">${fmt(d.quarantined)}</td><td class="num">${fmt(d.duplicates)}</td>
<td class="num">${fmt(d.outcomes.length - bad)} / ${fmt(d.outcomes.length)}</td><td>${invariantHolds(d) ? 'holds' : '<b>broken</b>'}</td></tr>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data quality ${escapeHtml(run.date)} · ${escapeHtml(run.runId)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>FinanceLake data quality</h1>
<div class="meta">partition date <b>${escapeHtml(run.date)}</b> · run <code>${escapeHtml(run.runId)}</code> · generated ${escapeHtml(generated)}</div>
<section>
<h2>Datasets</h2>
<table class="datasets"><thead><tr><th>status</th><th>dataset</th><th class="num">rows in</th><th class="num">passed</th><th class="num">quarantined</th><th class="num">duplicates</th><th class="num">expectations met</th><th>invariant</th></tr></thead>
<tbody>
${summary || '<tr><td colspan="8" class="msg">no datasets in this run</td></tr>'}
</tbody></table>
</section>
${run.datasets.map(datasetSection).join('\n')}
</body>
</html>
`;
}

/** Writes the report to <dir>/quality-<date>-<runId>.html and returns the path. */
export async function writeReport(dir: string, run: ReportRun): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `quality-${run.date.replace(/[^0-9-]/g, '_')}-${run.runId.replace(/[^A-Za-z0-9._-]/g, '_')}.html`);
  await writeFile(path, renderReport(run), 'utf8');
  return path;
}
