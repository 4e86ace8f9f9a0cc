/** The HTML report, checked by parsing it: structure is well formed, figures match the run, values are escaped. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExpectationOutcome, renderReport, type ReportRun, writeReport } from '../../quality';

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** A minimal HTML reader for our own well-formed markup: balanced tags, text with entities decoded. */
function parse(html: string) {
  const stack: string[] = [];
  const tags: { name: string; attrs: Record<string, string> }[] = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z-]+(?:="[^"]*")?)*)\s*(\/?)>|<!DOCTYPE html>/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(html))) {
    // anything between tags must be text: no stray '<' or '>' (i.e. nothing unescaped)
    const text = html.slice(last, m.index);
    const inStyle = stack[stack.length - 1] === 'style';
    if (!inStyle && /[<>]/.test(text)) throw new Error(`unescaped markup in text: ${text.slice(0, 80)}`);
    last = re.lastIndex;
    if (!m[2]) continue;
    const name = m[2].toLowerCase();
    if (m[1]) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? '').matchAll(/([a-zA-Z-]+)(?:="([^"]*)")?/g)) attrs[a[1]!] = decode(a[2] ?? '');
    tags.push({ name, attrs });
    if (!VOID.has(name) && !m[4]) stack.push(name);
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(' ')}`);
  return tags;
}

const decode = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
const textOf = (fragment: string): string => decode(fragment.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();

function section(html: string, dataset: string): string {
  const start = html.indexOf(`<section id="ds-${dataset}"`);
  return html.slice(start, html.indexOf('</section>', start));
}
function expectationRows(fragment: string): string[][] {
  return [...fragment.matchAll(/<tr class="expectation"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(c[1]!)));
}

const o = (p: Partial<ExpectationOutcome> & Pick<ExpectationOutcome, 'expectation' | 'rule' | 'severity' | 'outcome'>): ExpectationOutcome => ({
  evaluated: 1000,
  failed: 0,
  failureFraction: 0,
  sample: [],
  ...p,
});

const RUN: ReportRun = {
  runId: 'run-2024-01-02',
  date: '2024-01-02',
  generatedAt: new Date('2024-01-02T06:00:00Z'),
  datasets: [
    {
      dataset: 'transactions',
      rowsIn: 1000,
      passed: 960,
      quarantined: 30,
      duplicates: 10,
      outcomes: [
        o({ expectation: 'transaction_id_present', rule: 'not_null', severity: 'drop', outcome: 'passed' }),
        o({
          expectation: 'currency_known',
          rule: 'in_set',
          severity: 'drop',
          outcome: 'dropped',
          failed: 30,
          failureFraction: 0.03,
          sample: [
            { _row_id: 7, currency: '<script>alert("x")</script>', amount: '12.50', note: null },
            { _row_id: 9, currency: 'X"Y&Z', amount: '1', note: '' },
          ],
        }),
        o({ expectation: 'status_known', rule: 'in_set', severity: 'warn', outcome: 'warned', failed: 2, failureFraction: 0.002, sample: [{ _row_id: 3, status: 'weird' }] }),
        o({ expectation: 'batch_not_empty', rule: 'row_count_between', severity: 'warn', outcome: 'passed' }),
      ],
    },
    {
      dataset: 'market_ticks',
      rowsIn: 500,
      passed: 499,
      quarantined: 0,
      duplicates: 0, // invariant broken on purpose: one row unaccounted for
      outcomes: [o({ expectation: 'bid_le_ask', rule: 'column_pair', severity: 'fail', outcome: 'failed', evaluated: 500, failed: 1, failureFraction: 0.002, message: 'bid > ask <b>' })],
    },
  ],
};

describe('renderReport', () => {
  const html = renderReport(RUN);
  const tags = parse(html);

  it('is one self-contained, well-formed page', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(tags.filter((t) => t.name === 'style')).toHaveLength(1);
    expect(tags.some((t) => t.name === 'script' || t.name === 'link' || t.name === 'img')).toBe(false);
    expect(tags.filter((t) => t.name === 'section' && t.attrs['data-dataset']).map((t) => t.attrs['data-dataset'])).toEqual(['transactions', 'market_ticks']);
  });

  it('lists each expectation with outcome, counts and failure fraction', () => {
    const rows = expectationRows(section(html, 'transactions'));
    expect(rows.map((r) => r.slice(0, 7))).toEqual([
      ['passed', 'transaction_id_present', 'not_null', 'drop', '1,000', '0', '0%'],
      ['dropped', 'currency_known', 'in_set', 'drop', '1,000', '30', '3.00%'],
      ['warned', 'status_known', 'in_set', 'warn', '1,000', '2', '0.20%'],
      ['passed', 'batch_not_empty', 'row_count_between', 'warn', '1,000', '0', '0%'],
    ]);
    const ticks = expectationRows(section(html, 'market_ticks'));
    expect(ticks[0]!.slice(0, 7)).toEqual(['failed', 'bid_le_ask', 'column_pair', 'fail', '500', '1', '0.20%']);
    expect(ticks[0]![7]).toBe('bid > ask <b>');
  });

  it('shows the totals and whether the invariant holds', () => {
    for (const d of RUN.datasets) {
      const s = section(html, d.dataset);
      const figure = (cls: string) => textOf(s.match(new RegExp(`<b class="${cls}">([^<]*)</b>`))![1]!).replace(/,/g, '');
      expect([figure('rows-in'), figure('rows-passed'), figure('rows-quarantined'), figure('rows-duplicates')].map(Number)).toEqual([d.rowsIn, d.passed, d.quarantined, d.duplicates]);
    }
    const summary = [...html.matchAll(/<tr class="summary" data-dataset="([^"]*)">([\s\S]*?)<\/tr>/g)].map((m) =>
      [...m[2]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(c[1]!)),
    );
    expect(summary).toEqual([
      ['dropped', 'transactions', '1,000', '960', '30', '10', '2 / 4', 'holds'],
      ['failed', 'market_ticks', '500', '499', '0', '0', '0 / 1', 'broken'],
    ]);
  });

  it('shows a sample of failing rows with every value escaped', () => {
    const s = section(html, 'transactions');
    const sample = s.slice(s.indexOf('Failing rows of currency_known'));
    const table = sample.slice(0, sample.indexOf('</table>'));
    const cells = [...table.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => textOf(c[1]!));
    expect(cells).toEqual(['7', '<script>alert("x")</script>', '12.50', 'NULL', '9', 'X"Y&Z', '1', '(empty)']);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // passed expectations show no sample
    expect(s).not.toContain('Failing rows of transaction_id_present');
  });

  it('escapes names and run ids too', () => {
    const evil = renderReport({ runId: '"><img src=x>', date: '2024-01-02', datasets: [{ ...RUN.datasets[0]!, dataset: '<i>ds</i>' }] });
    expect(() => parse(evil)).not.toThrow();
    expect(evil).not.toContain('<img');
    expect(evil).not.toContain('<i>ds');
  });
});

describe('writeReport', () => {
  it('writes the rendered page under the directory and returns its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quality-report-'));
    try {
      const path = await writeReport(join(dir, 'reports'), RUN);
      expect(path).toBe(join(dir, 'reports', 'quality-2024-01-02-run-2024-01-02.html'));
      expect(await readFile(path, 'utf8')).toBe(renderReport(RUN));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
