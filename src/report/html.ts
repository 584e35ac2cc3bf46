import type { OutcomeKind, RowResult } from '../types.js';
import { OUTCOME_KINDS } from '../types.js';
import type { RunSummary } from './summary.js';

/** Requests started and 429s answered in one time bucket of the run. */
export interface TimelineBucket {
  /** Seconds since the run started, at the bucket's start. */
  at: number;
  requests: number;
  rateLimited: number;
}

export interface HtmlReportInput {
  summary: RunSummary;
  /** Width of each timeline bucket, in seconds. */
  bucketSeconds: number;
  timeline: readonly TimelineBucket[];
  /** Rows that need attention (invalid, failed, not attempted), capped. */
  problemRows: readonly RowResult[];
  problemRowsTotal: number;
}

const COLORS: Record<OutcomeKind, string> = {
  updated: '#2e7d32',
  unchanged: '#78909c',
  valid: '#43a047',
  would_update: '#1e88e5',
  invalid: '#f9a825',
  failed: '#c62828',
  not_attempted: '#6d4c41',
};

/** Names and messages are user data: everything inserted into the page goes through here. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function outcomeBar(totals: Record<OutcomeKind, number>, rows: number): string {
  if (rows === 0) return '<p>No data rows.</p>';
  let x = 0;
  const parts = OUTCOME_KINDS.filter((k) => totals[k] > 0).map((kind) => {
    const w = (totals[kind] / rows) * 100;
    const rect = `<rect x="${x.toFixed(3)}%" y="0" width="${w.toFixed(3)}%" height="28" fill="${COLORS[kind]}"><title>${kind}: ${totals[kind]}</title></rect>`;
    x += w;
    return rect;
  });
  return `<svg class="bar" role="img" aria-label="outcomes" width="100%" height="28">${parts.join('')}</svg>`;
}

function timelineChart(buckets: readonly TimelineBucket[], bucketSeconds: number): string {
  if (buckets.length === 0) return '<p>No requests were sent.</p>';
  const perMinute = 60 / bucketSeconds;
  const max = Math.max(1, ...buckets.map((b) => b.requests * perMinute));
  const width = 600;
  const height = 160;
  const span = Math.max(1, buckets.length);
  const bars = buckets
    .map((b, i) => {
      const h = ((b.requests * perMinute) / max) * (height - 20);
      const x = (i / span) * width;
      const w = Math.max(1, width / span - 1);
      const rl = b.rateLimited > 0 ? `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="6" fill="#c62828"><title>${b.rateLimited} × 429</title></rect>` : '';
      return `<rect x="${x.toFixed(1)}" y="${(height - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="#1e88e5"><title>${b.at}s: ${(b.requests * perMinute).toFixed(0)} req/min</title></rect>${rl}`;
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="requests per minute over time" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" width="100%" height="${height}">${bars}</svg>
<p class="legend">Peak ${max.toFixed(0)} requests/min; red marks: 429 answers.</p>`;
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const { summary: s } = input;
  const totals = OUTCOME_KINDS.map(
    (k) => `<tr><td><span class="dot" style="background:${COLORS[k]}"></span>${k}</td><td>${s.totals[k]}</td></tr>`,
  ).join('');
  const codes = new Map<string, number>();
  for (const row of input.problemRows) {
    const o = row.outcome;
    const code = 'code' in o ? o.code : o.kind;
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  const ranked = [...codes.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `<li>${escapeHtml(c)}: ${n}</li>`).join('');
  const rows = input.problemRows
    .map((r) => {
      const o = r.outcome;
      const code = 'code' in o ? o.code : '';
      const message = 'message' in o ? o.message : '';
      return `<tr><td>${r.line}</td><td>${escapeHtml(r.id)}</td><td>${escapeHtml(o.kind)}</td><td>${escapeHtml(code)}</td><td>${escapeHtml(message)}</td></tr>`;
    })
    .join('');
  const more = input.problemRowsTotal > input.problemRows.length ? `<p>Showing ${input.problemRows.length} of ${input.problemRowsTotal}; all are in failed.csv and results.csv.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vorel-sync ${escapeHtml(s.mode)} ${escapeHtml(s.run_id)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:12px;color:#222}
h1{font-size:1.3em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}.meta{color:#555}
.scroll{overflow-x:auto}input[type=search]{width:100%;padding:6px;margin:8px 0;box-sizing:border-box}.legend{color:#555;font-size:.9em}
</style></head><body>
<h1>vorel-sync ${escapeHtml(s.mode)}: ${s.input.rows} rows</h1>
<p class="meta">Run ${escapeHtml(s.run_id)} · ${escapeHtml(s.input.path)} · ${escapeHtml(s.started_at)} → ${escapeHtml(s.finished_at)} · exit ${s.exit_code}</p>
${s.stopped ? `<p><strong>Stopped:</strong> ${escapeHtml(s.stopped.message)}</p>` : ''}
<h2>Outcomes</h2>${outcomeBar(s.totals, s.input.rows)}
<table id="totals">${totals}</table>
<h2>Requests</h2><p>${s.requests.total} requests, ${s.requests.retries} retries, ${s.requests.rate_limited} answered 429.</p>
${timelineChart(input.timeline, input.bucketSeconds)}
<h2>Error codes</h2>${ranked === '' ? '<p>None.</p>' : `<ol>${ranked}</ol>`}
<h2>Rows to fix (${input.problemRowsTotal})</h2>
<input type="search" id="filter" placeholder="Search line, id, code or message" aria-label="search rows">
<div class="scroll"><table id="problems"><thead><tr><th>line</th><th>id</th><th>outcome</th><th>code</th><th>message</th></tr></thead><tbody>${rows}</tbody></table></div>${more}
<script>
document.getElementById('filter').addEventListener('input', function (e) {
  var q = e.target.value.toLowerCase();
  document.querySelectorAll('#problems tbody tr').forEach(function (tr) {
    tr.style.display = tr.textContent.toLowerCase().indexOf(q) === -1 ? 'none' : '';
  });
});
</script>
</body></html>
`;
}
