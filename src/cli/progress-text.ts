/** The progress line as text: a pure function of one progress state (import or export). */
import type { ImportProgress, ProgressState } from '../progress.js';
import { formatBytes, formatDuration } from '../report/format.js';
import { OUTCOME_KINDS } from '../types.js';

/** One ` · `-separated part of the progress line; `warn` parts are coloured when colour is allowed. */
export interface Segment {
  text: string;
  warn?: boolean;
}

/** Share of an import done: rows settled of rows counted, else bytes read of the file (a dry run). */
export function doneShare(s: ImportProgress): number {
  if (s.done) return 1;
  if (s.rowsTotal !== null) return s.rowsTotal === 0 ? 1 : Math.min(1, s.rows / s.rowsTotal);
  return s.totalBytes === 0 ? 1 : Math.min(1, s.bytes / s.totalBytes);
}

/** Seconds left at the pace so far; null until there is a pace to go by. */
export function etaSeconds(s: ImportProgress): number | null {
  const share = doneShare(s);
  if (share <= 0 || s.elapsedMs < 1000) return null;
  return ((s.elapsedMs / 1000) * (1 - share)) / share;
}

/** The parts after the bar, most urgent first: the longest (rows by outcome) is cut on a narrow terminal. */
export function progressSegments(s: ProgressState): Segment[] {
  const segments: Segment[] = [];
  if (s.pausedMs !== null && !s.done) {
    segments.push({ text: `waiting for rate limit, resumes in ${Math.max(1, Math.ceil(s.pausedMs / 1000))} s`, warn: true });
  }
  if (s.done) segments.push({ text: `took ${formatDuration(s.elapsedMs / 1000)}` });
  else if (s.command === 'import') {
    const eta = etaSeconds(s);
    segments.push({ text: `ETA ${eta === null ? '…' : formatDuration(eta)}` });
  }
  if (s.rate !== null) segments.push({ text: `${s.requestsLastMinute}/${s.rate} req/min${s.pace === null ? '' : `, ${s.pace}`}` });
  if (s.command === 'export') {
    // The API gives no total: counts so far, no ETA.
    segments.push({ text: `${s.pages} pages, ${s.scanned} conversations read, ${s.written} rows written` });
    return segments;
  }
  const byOutcome = OUTCOME_KINDS.filter((k) => (s.counts[k] ?? 0) > 0).map((k) => `${s.counts[k]} ${k.replace('_', ' ')}`);
  const rows = s.rowsTotal === null ? `${s.rows} rows` : `${s.rows}/${s.rowsTotal} rows`;
  segments.push({ text: byOutcome.length === 0 ? rows : `${rows}: ${byOutcome.join(', ')}` });
  segments.push({ text: `${formatBytes(s.bytes)} of ${formatBytes(s.totalBytes)} read` });
  return segments;
}

/** Joins parts into at most `width` characters (escape codes counted), cutting the last one with `…`. */
export function fitLine(head: string, segments: readonly Segment[], width: number, colour: boolean): string {
  let line = head;
  for (const segment of segments) {
    const text = colour && segment.warn ? `\x1b[33m${segment.text}\x1b[39m` : segment.text;
    const sep = line === '' ? '' : ' · ';
    if (line.length + sep.length + text.length <= width) {
      line += sep + text;
      continue;
    }
    const room = width - line.length - sep.length - 1;
    if (room >= 8 && !(colour && segment.warn)) line += `${sep}${segment.text.slice(0, room)}…`;
    break;
  }
  return line;
}

/** The plain line written to a log: no escape codes, elapsed time for the reader of a cron log. */
export function plainLine(s: ProgressState): string {
  const head = s.command === 'import' ? `progress: ${Math.floor(doneShare(s) * 100)}%` : 'progress: export';
  const elapsed = s.done ? [] : [{ text: `elapsed ${formatDuration(s.elapsedMs / 1000)}` }];
  return fitLine(head, [...elapsed, ...progressSegments(s)], Number.POSITIVE_INFINITY, false);
}
