import { createHash } from 'node:crypto';
import { OUTCOME_KINDS, type OutcomeKind, type RowResult } from '../types.js';
import { formatDuration } from './format.js';
import { runSeconds, type RunSummary } from './summary.js';

export interface HtmlReportInput {
  summary: RunSummary;
  bucketSeconds: number;
  timeline: readonly TimelineBucket[];
  /** Capped. */
  problemRows: readonly RowResult[];
  problemRowsTotal: number;
  /** Over ALL rows that need attention. */
  problemCodes: ReadonlyMap<string, number>;
}

/** vorel-api.md §5, drawn as a reference line. */
const API_LIMIT_PER_MINUTE = 200;
/** A long run's buckets are merged to stay readable on a phone. */
const MAX_CHART_BARS = 120;

const COLORS: Record<OutcomeKind, string> = {
  updated: '#2e7d32',
  unchanged: '#78909c',
  valid: '#43a047',
  would_update: '#1e88e5',
  invalid: '#f9a825',
  failed: '#c62828',
  not_attempted: '#6d4c41',
};

/** Names, ids, messages and paths are user data: everything inserted into the page goes through here. */
function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** By its code, or its outcome when it has none. */
export function countProblemCode(counts: Map<string, number>, row: RowResult): void {
  const code = 'code' in row.outcome ? row.outcome.code : row.outcome.kind;
  counts.set(code, (counts.get(code) ?? 0) + 1);
}

function outcomeBar(totals: Record<OutcomeKind, number>, rows: number): string {
  if (rows === 0) return '<p>No data rows.</p>';
  let x = 0;
  const parts = OUTCOME_KINDS.filter((k) => totals[k] > 0).map((kind) => {
    const w = (totals[kind] / rows) * 100;
    const rect = `<rect x="${x.toFixed(3)}%" y="0" width="${w.toFixed(3)}%" height="24" fill="${COLORS[kind]}"><title>${kind}: ${totals[kind]}</title></rect>`;
    x += w;
    return rect;
  });
  return `<svg class="bar" role="img" aria-label="outcomes of ${rows} rows" width="100%" height="24">${parts.join('')}</svg>`;
}

export interface TimelineBucket {
  /** Seconds since the run started. */
  at: number;
  requests: number;
  rateLimited: number;
}

/**
 * Each bar: the most request starts in any 60 s ending within it. A count per 60 s compares with the
 * limit line, where a short bar scaled up (4 in 1 s drawn as 240/min) would seem to break it.
 */
export function slidingMinuteBars(
  timeline: readonly TimelineBucket[],
  bucketSeconds: number,
  maxBars: number,
): { bars: TimelineBucket[]; seconds: number } {
  if (timeline.length === 0) return { bars: [], seconds: bucketSeconds };
  const slots = Math.floor(Math.max(...timeline.map((b) => b.at)) / bucketSeconds) + 1;
  const requests = new Float64Array(slots);
  const limited = new Float64Array(slots);
  for (const b of timeline) {
    const slot = Math.floor(b.at / bucketSeconds);
    requests[slot] = (requests[slot] ?? 0) + b.requests;
    limited[slot] = (limited[slot] ?? 0) + b.rateLimited;
  }
  const factor = Math.max(1, Math.ceil(slots / maxBars));
  const seconds = bucketSeconds * factor;
  const window = Math.max(1, Math.round(60 / bucketSeconds));
  const bars: TimelineBucket[] = Array.from({ length: Math.ceil(slots / factor) }, (_, i) => ({
    at: i * seconds,
    requests: 0,
    rateLimited: 0,
  }));
  let inWindow = 0;
  let limitedInWindow = 0;
  for (let slot = 0; slot < slots; slot++) {
    inWindow += requests[slot] ?? 0;
    limitedInWindow += limited[slot] ?? 0;
    if (slot >= window) {
      inWindow -= requests[slot - window] ?? 0;
      limitedInWindow -= limited[slot - window] ?? 0;
    }
    const bar = bars[Math.floor(slot / factor)];
    if (bar !== undefined && inWindow > bar.requests) {
      bar.requests = inWindow;
      bar.rateLimited = limitedInWindow;
    }
  }
  return { bars, seconds };
}

function timelineChart(timeline: readonly TimelineBucket[], bucketSeconds: number): string {
  const { bars: buckets, seconds } = slidingMinuteBars(timeline, bucketSeconds, MAX_CHART_BARS);
  if (buckets.length === 0) return '<p>No requests were sent.</p>';
  const peak = Math.max(...buckets.map((b) => b.requests));
  const top = Math.max(peak, API_LIMIT_PER_MINUTE) * 1.1;
  const width = 600;
  const height = 180;
  const y = (count: number): number => height - (count / top) * height;
  const slot = width / buckets.length;
  const bars = buckets
    .map((b, i) => {
      if (b.requests === 0) return '';
      const x = (i * slot).toFixed(1);
      const w = Math.max(1, slot - 1).toFixed(1);
      const ok = b.requests - b.rateLimited;
      const when = formatDuration(b.at);
      const okRect = `<rect class="req" x="${x}" y="${y(ok).toFixed(1)}" width="${w}" height="${(height - y(ok)).toFixed(1)}"><title>${when}: ${b.requests} requests in 60 s</title></rect>`;
      const limited =
        b.rateLimited === 0
          ? ''
          : `<rect class="r429" x="${x}" y="${y(b.requests).toFixed(1)}" width="${w}" height="${(y(ok) - y(b.requests)).toFixed(1)}"><title>${when}: ${b.rateLimited} answered 429</title></rect>`;
      return okRect + limited;
    })
    .join('');
  const limitY = y(API_LIMIT_PER_MINUTE).toFixed(1);
  const span = buckets.length * seconds;
  return `<svg class="chart" role="img" aria-label="requests started per 60 s over time" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" width="100%" height="${height}">
${bars}<line x1="0" x2="${width}" y1="${limitY}" y2="${limitY}" class="limit"/></svg>
<div class="axis"><span>0</span><span>${escapeHtml(formatDuration(span / 2))}</span><span>${escapeHtml(formatDuration(span))}</span></div>
<p class="legend"><span><i class="key req"></i>requests started in the busiest 60 s of each bar (peak ${peak})</span> <span><i class="key r429"></i>answered 429</span> <span><i class="key limit"></i>API limit ${API_LIMIT_PER_MINUTE} per 60 s</span> <span>${seconds} s per bar</span></p>`;
}

function codeTable(codes: ReadonlyMap<string, number>): string {
  if (codes.size === 0) return '<p>None.</p>';
  const ranked = [...codes.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const max = ranked[0]?.[1] ?? 1;
  const rows = ranked
    .map(
      ([code, n]) =>
        `<tr><td><code>${escapeHtml(code)}</code></td><td class="n">${n}</td><td class="meter"><span style="width:${((n / max) * 100).toFixed(1)}%"></span></td></tr>`,
    )
    .join('');
  return `<table id="codes"><thead><tr><th>code</th><th class="n">rows</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function problemTable(rows: readonly RowResult[]): string {
  const body = rows
    .map((r) => {
      const o = r.outcome;
      const code = 'code' in o ? o.code : '';
      const message = 'message' in o ? o.message : '';
      return `<tr><td data-h="line">${r.line}</td><td data-h="id" class="id">${escapeHtml(r.id)}</td><td data-h="name">${escapeHtml(r.patch.customer_name)}</td><td data-h="outcome">${escapeHtml(o.kind)}</td><td data-h="code"><code>${escapeHtml(code)}</code></td><td data-h="message">${escapeHtml(message)}</td></tr>`;
    })
    .join('');
  return `<table id="problems"><thead><tr><th>line</th><th>id</th><th>name</th><th>outcome</th><th>code</th><th>message</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** `#q=not_found` in the address prefills the filter, so a filtered view can be linked. */
const SCRIPT = `
var box = document.getElementById('filter');
var count = document.getElementById('shown');
function apply() {
  var q = box.value.toLowerCase(), shown = 0;
  document.querySelectorAll('#problems tbody tr').forEach(function (tr) {
    var hit = tr.textContent.toLowerCase().indexOf(q) !== -1;
    tr.style.display = hit ? '' : 'none';
    if (hit) shown++;
  });
  count.textContent = q === '' ? '' : shown + ' shown';
}
box.addEventListener('input', apply);
var m = /[#&]q=([^&]*)/.exec(location.hash);
if (m) { box.value = decodeURIComponent(m[1]); apply(); }
`;

const STYLE = `
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:960px;padding:12px;color:#1d1d1f;background:#fff}
h1{font-size:1.35em;margin:.2em 0;overflow-wrap:anywhere}h2{font-size:1.1em;margin:1.4em 0 .5em;border-bottom:1px solid #e3e3e3;padding-bottom:.2em}
.meta{color:#555;font-size:.9em;overflow-wrap:anywhere}.stopped{background:#fff3e0;border-left:4px solid #ef6c00;padding:8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(96px,1fr));gap:6px;margin:8px 0}
.card{border:1px solid #e3e3e3;border-radius:6px;padding:4px 8px;border-top:4px solid var(--c);font-size:.9em}.card b{display:block;font-size:1.4em}
.card.zero{opacity:.45}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e3e3e3;padding:6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600;color:#444}.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.92em}
.meter{width:40%}.meter span{display:block;height:10px;background:#c62828;border-radius:2px}
.chart{display:block;background:#fafafa;border:1px solid #eee}.chart .req,.key.req{fill:#1e88e5;background:#1e88e5}
.chart .r429,.key.r429{fill:#c62828;background:#c62828}.chart .limit{stroke:#555;stroke-dasharray:6 4;stroke-width:1}
.legend>span{white-space:nowrap;margin-right:12px}.key{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:4px}.key.limit{border-top:2px dashed #555;height:0;vertical-align:3px}
.axis{display:flex;justify-content:space-between;color:#555;font-size:.85em}.legend{color:#555;font-size:.9em}
input[type=search]{width:100%;font-size:16px;padding:10px;margin:4px 0 8px;border:1px solid #bbb;border-radius:6px}
.id{overflow-wrap:anywhere;font-family:ui-monospace,monospace;font-size:.85em}
#problems td[data-h=line],#problems td[data-h=outcome],#problems td[data-h=code]{white-space:nowrap;overflow-wrap:normal}
#problems th{white-space:nowrap}#problems td[data-h=id]{min-width:10em}#problems td[data-h=name]{max-width:14em}
@media (max-width:640px){
  #problems,#problems tbody{display:block}#problems thead{display:none}
  #problems tr{display:block;border:1px solid #e3e3e3;border-radius:8px;margin:0 0 8px;padding:4px 8px}
  #problems td{display:grid;grid-template-columns:64px minmax(0,1fr);gap:8px;border:0;padding:2px 0}
  #problems td::before{content:attr(data-h);color:#666;font-size:.85em}
}
`;

/** Only this page's own script (by hash) and style; no network. */
const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

function clearsParagraph(s: HtmlReportInput['summary']): string {
  const g = s.clears_guard;
  const decision = g.tripped
    ? `refused by the clears guard (more than --max-clears ${g.limit} for ${g.over_limit.join(' and ')})`
    : g.allowed && g.over_limit.length > 0
      ? `above --max-clears ${g.limit}, allowed by --allow-clears`
      : `within --max-clears ${g.limit}`;
  return `<p id="clears">Clears: customer_name ${s.clears.customer_name}, customer_language ${s.clears.customer_language}; ${escapeHtml(decision)}.</p>`;
}

/** Self-contained (no network), readable on a phone. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { summary: s } = input;
  const cards = OUTCOME_KINDS.map(
    (k) =>
      `<div class="card${s.totals[k] === 0 ? ' zero' : ''}" style="--c:${COLORS[k]}" id="total-${k}"><b>${s.totals[k]}</b>${k.replace('_', ' ')}</div>`,
  ).join('');
  const more =
    input.problemRowsTotal > input.problemRows.length
      ? `<p>Showing the first ${input.problemRows.length} of ${input.problemRowsTotal}; all of them are in failed.csv and results.csv.</p>`
      : '';
  const retry = s.retry_command === null ? '' : `<p>Retry: <code>${escapeHtml(s.retry_command)}</code></p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>vorel-sync ${escapeHtml(s.mode)} ${escapeHtml(s.run_id)}</title>
<style>${STYLE}</style></head><body>
<h1>vorel-sync ${escapeHtml(s.mode)}: ${s.input.rows} rows</h1>
<p class="meta">${escapeHtml(s.input.path)} · run ${escapeHtml(s.run_id)} · ${escapeHtml(s.started_at)} · took ${escapeHtml(formatDuration(runSeconds(s)))} · exit code ${s.exit_code}</p>
${s.stopped ? `<p class="stopped"><strong>Stopped:</strong> ${escapeHtml(s.stopped.message)}</p>` : ''}
<h2>Outcomes</h2>${outcomeBar(s.totals, s.input.rows)}
<div class="cards" id="totals">${cards}</div>
<h2>Requests</h2><p id="requests">${s.requests.total} requests, ${s.requests.retries} retries, ${s.requests.rate_limited} answered 429.</p>
${clearsParagraph(s)}
${timelineChart(input.timeline, input.bucketSeconds)}
<h2>Error codes</h2>${codeTable(input.problemCodes)}
<h2>Rows to fix (${input.problemRowsTotal})</h2>${retry}
<input type="search" id="filter" placeholder="Search line, id, name, code or message" aria-label="search rows"><span id="shown" class="legend"></span>
${problemTable(input.problemRows)}${more}
<script>${SCRIPT}</script>
</body></html>
`;
}
