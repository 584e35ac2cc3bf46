import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countProblemCode, renderHtmlReport, slidingMinuteBars, type HtmlReportInput } from '../src/report/html.js';
import type { RowResult } from '../src/types.js';
import { cli, onlyRunDir, tempDir } from './helpers/cli.js';
import { testId } from './helpers/emulator.js';
import { fakeSummary } from './helpers/summary.js';

const XSS_NAME = '<script>document.title="pwned"</script>';
const XSS_ID = '<img src=x onerror="document.body.dataset.pwned=1">';

function input(over: Partial<HtmlReportInput> = {}): HtmlReportInput {
  const summary = fakeSummary({
    input: { path: 'dir/<b>file</b>.csv', sha256: 'x', rows: 3, encoding: 'utf-8', delimiter: ',', sheet: null },
    totals: { updated: 1, unchanged: 0, valid: 0, would_update: 0, invalid: 1, failed: 1, not_attempted: 0 },
    requests: { total: 3, retries: 1, rate_limited: 1 },
  });
  const rows: RowResult[] = [
    {
      line: 3,
      endLine: 3,
      id: XSS_ID,
      patch: { customer_name: XSS_NAME },
      before: null,
      outcome: { kind: 'invalid', code: 'invalid_uuid', message: `id "${XSS_ID}" is not a UUID`, httpStatus: null, attempts: 0 },
    },
    {
      line: 4,
      endLine: 4,
      id: testId(9),
      patch: { customer_name: 'Zoë' },
      before: null,
      outcome: { kind: 'failed', code: 'not_found', message: '404 <i>Not Found</i>', httpStatus: 404, attempts: 1 },
    },
  ];
  const codes = new Map<string, number>();
  for (const r of rows) countProblemCode(codes, r);
  return {
    summary,
    bucketSeconds: 10,
    timeline: [{ at: 0, requests: 3, rateLimited: 1 }],
    problemRows: rows,
    problemRowsTotal: 2,
    problemCodes: codes,
    ...over,
  };
}

describe('report.html', () => {
  it('escapes every user-supplied text: names, ids, messages, the input path', () => {
    const html = renderHtmlReport(input());
    for (const raw of [XSS_NAME, XSS_ID, '<b>file</b>', '<i>Not Found</i>']) expect(html).not.toContain(raw);
    expect(html).toContain('&#60;script&#62;document.title=&#34;pwned&#34;&#60;/script&#62;');
    expect(html.match(/<script/g)).toHaveLength(1); // ours, and only ours
  });

  it('is self-contained: no external resource, and a CSP that allows only its own script by hash', () => {
    const html = renderHtmlReport(input());
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain("default-src 'none'");
  });

  it('draws requests per 60 s with 429s stacked on top, and ranks error codes', () => {
    const html = renderHtmlReport(input());
    expect(html).toMatch(/<svg class="chart"[^>]*>/);
    expect(html).toContain('<title>0 s: 3 requests in 60 s</title>');
    expect(html).toContain('<title>0 s: 1 answered 429</title>');
    expect(html).toMatch(/<code>invalid_uuid<\/code><\/td><td class="n">1<\/td>/);
  });

  it('counts each bar as its busiest 60 s, so a short burst is not scaled up past the limit line', () => {
    // 4 requests in one second: 4 in 60 s, not the 240/min a second scaled to a minute would claim.
    expect(slidingMinuteBars([{ at: 0, requests: 4, rateLimited: 0 }], 1, 120).bars).toEqual([{ at: 0, requests: 4, rateLimited: 0 }]);
    // 200 per fixed minute at its end and 200 at the next one's start: 400 in a sliding 60 s.
    const burst = [
      { at: 59, requests: 200, rateLimited: 0 },
      { at: 60, requests: 200, rateLimited: 7 },
    ];
    const { bars } = slidingMinuteBars(burst, 1, 120);
    expect(bars.map((b) => b.requests)).toEqual([...Array(59).fill(0), 200, 400]);
    expect(bars.at(-1)?.rateLimited).toBe(7);
  });

  it('merges a long run into at most 120 bars, each its busiest 60 s; a gap is empty bars', () => {
    // 30 requests every 10 s, a steady 180 per 60 s, for 10,000 s.
    const timeline = Array.from({ length: 1000 }, (_, i) => ({ at: i * 10, requests: 30, rateLimited: i === 500 ? 1 : 0 }));
    const { bars, seconds } = slidingMinuteBars(timeline, 10, 120);
    expect(bars.length).toBeLessThanOrEqual(120);
    expect(seconds).toBe(90);
    expect(bars.slice(1).every((b) => b.requests === 180)).toBe(true);
    expect(bars.reduce((n, b) => n + b.rateLimited, 0)).toBe(1);
    // A long 429 pause: the window empties and the bars show it.
    expect(
      slidingMinuteBars(
        [
          { at: 0, requests: 1, rateLimited: 0 },
          { at: 200, requests: 1, rateLimited: 0 },
        ],
        10,
        120,
      ).bars.map((b) => b.requests),
    ).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('ranks error codes over all problem rows, not only the rows listed in the page', async () => {
    const work = tempDir();
    const file = path.join(work, 'many.csv');
    const lines = ['id,language'];
    for (let i = 0; i < 2100; i++) lines.push(`${testId(i + 1)},EN`); // bad_language, fills the listed rows
    for (let i = 0; i < 2200; i++) lines.push(`bad-${i},en`); // invalid_uuid, past the list's cap
    writeFileSync(file, lines.join('\n'));
    const reports = path.join(work, 'reports');
    expect((await cli(['import', file, '--dry-run', '--report-dir', reports])).code).toBe(1);
    const html = readFileSync(path.join(onlyRunDir(reports), 'report.html'), 'utf8');
    const codes = /<table id="codes">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    expect([...codes.matchAll(/<code>(\w+)<\/code><\/td><td class="n">(\d+)/g)].map((m) => [m[1], m[2]])).toEqual([
      ['invalid_uuid', '2200'],
      ['bad_language', '2100'],
    ]);
    expect(html).toContain('Showing the first 2000 of 4300');
  });
});
