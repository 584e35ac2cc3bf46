import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from '../src/report/format.js';
import { renderSummary } from '../src/report/summary.js';
import { fakeSummary as summary } from './helpers/summary.js';

describe('final summary on stdout', () => {
  it('is a short table: outcomes, duration, requests, 429s, the report and the retry command', () => {
    expect(renderSummary(summary())).toBe(
      [
        'vorel-sync import: 1200 rows from contacts.csv',
        '  updated   1180',
        '  invalid     12',
        '  failed       8',
        '  duration  6m 40s',
        '  requests  1210 (22 retries, 2 answered 429)',
        "  pace      auto: 200/min from the API's rate headers",
        '  target    https://app.vorel.ai',
        'Report: reports/2026-11-25T13-40-05Z-3f9a/report.html',
        'To retry the rows that did not go through, fix the invalid rows in failed.csv, then run:',
        '  vorel-sync import reports/2026-11-25T13-40-05Z-3f9a/failed.csv --delimiter ,',
        '',
      ].join('\n'),
    );
  });

  it('shows the outcomes of the mode at zero, and no requests or retry command for a clean dry run', () => {
    const text = renderSummary(
      summary({
        mode: 'dry-run',
        totals: { updated: 0, unchanged: 0, valid: 3, would_update: 0, invalid: 0, failed: 0, not_attempted: 0 },
        retry_command: null,
      }),
    );
    expect(text).toContain('  valid     3\n  invalid   0\n  duration  6m 40s\n');
    expect(text).not.toMatch(/requests|updated|retry/);
  });

  it('names the commonest failure reasons after the failed count, a long message cut to its end', () => {
    const text = renderSummary(
      summary({
        problems: {
          rows: [],
          total: 20,
          reasons: [
            { error_code: 'network', rows: 6, message: 'getaddrinfo ENOTFOUND app.vorel.ai' },
            { error_code: 'server_error', rows: 2, message: `HTTP 503 ${'x'.repeat(100)}` },
          ],
        },
      }),
    );
    expect(text).toContain(`  failed       8 (network: 6 — getaddrinfo ENOTFOUND app.vorel.ai; server_error: 2 — …${'x'.repeat(79)})\n`);
  });

  it('says why a run stopped, and does not ask to fix rows when none is invalid', () => {
    const text = renderSummary(
      summary({
        totals: { updated: 10, unchanged: 0, valid: 0, would_update: 0, invalid: 0, failed: 0, not_attempted: 1190 },
        stopped: { reason: 'interrupted', message: 'interrupted: finishing requests in flight, then writing the reports' },
      }),
    );
    expect(text).toContain('  not attempted  1190\n');
    expect(text).toContain('Stopped: interrupted');
    expect(text).toContain('To retry the rows that did not go through, run:\n');
  });
});

describe('formatters', () => {
  it.each([
    [0, '0 s'],
    [59.4, '59 s'],
    [61, '1m 01s'],
    [3599, '59m 59s'],
    [3600 * 26 + 300, '26h 05m'],
  ])('formatDuration(%d) = %s', (s, text) => expect(formatDuration(s)).toBe(text));

  it.each([
    [999, '999 B'],
    [1000, '1.0 kB'],
    [15_400, '15 kB'],
    [2_900_000, '2.9 MB'],
    [5e12, '5.0 TB'],
  ])('formatBytes(%d) = %s', (b, text) => expect(formatBytes(b)).toBe(text));
});
