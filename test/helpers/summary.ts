import type { RunSummary } from '../../src/report/summary.js';

/** A finished import run of 1200 rows (6m 40s) with some rows to fix; override what a test needs. */
export function fakeSummary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    run_id: '2026-11-25T13-40-05Z-3f9a',
    mode: 'import',
    input: { path: 'contacts.csv', sha256: 'x', rows: 1200, encoding: 'utf-8', delimiter: ',', sheet: null },
    base_url: 'https://app.vorel.ai',
    key_fingerprint: null,
    started_at: '2026-11-25T13:40:05.000Z',
    finished_at: '2026-11-25T13:46:45.000Z',
    totals: { updated: 1180, unchanged: 0, valid: 0, would_update: 0, invalid: 12, failed: 8, not_attempted: 0 },
    requests: { total: 1210, retries: 22, rate_limited: 2 },
    rate: { mode: 'auto', per_min: 200, source: 'headers' },
    exit_code: 1,
    clears: { customer_name: 0, customer_language: 0 },
    clears_guard: { limit: '10%', allowed: false, tripped: false, over_limit: [] },
    confirmed: 'not_asked',
    duplicate_ids: 0,
    superseded: 0,
    stopped: null,
    report_dir: 'reports/2026-11-25T13-40-05Z-3f9a',
    retry_command: 'vorel-sync import reports/2026-11-25T13-40-05Z-3f9a/failed.csv --delimiter ,',
    resume_command: null,
    ...over,
  };
}
