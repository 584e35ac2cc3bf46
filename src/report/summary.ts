import path from 'node:path';
import { paceText, type RatePace } from '../rate-pace.js';
import type { RunMode } from '../options.js';
import type { z } from 'zod';
import type {
  clearsGuardSchema,
  confirmationSchema,
  planSummarySchema,
  readSummarySchema,
  requestTotalsSchema,
  runStopSchema,
} from './summary-schema.js';
import { formatDuration } from './format.js';
import { type Delimiter, type InputEncoding, type OutcomeKind, OUTCOME_KINDS, type WritableField } from '../types.js';

export type RunStop = z.infer<typeof runStopSchema>;
export type ClearsGuardSummary = z.infer<typeof clearsGuardSchema>;
export type Confirmation = z.infer<typeof confirmationSchema>;

/** summary.json (contract): keys may be added, none renamed. */
export interface RunSummary {
  run_id: string;
  mode: RunMode;
  /** A workbook: `encoding` and `delimiter` null, `sheet` set. */
  input: { path: string; sha256: string; rows: number; encoding: InputEncoding | null; delimiter: Delimiter | null; sheet: string | null };
  base_url: string;
  key_fingerprint: string | null;
  started_at: string;
  finished_at: string;
  totals: Record<OutcomeKind, number>;
  requests: z.infer<typeof requestTotalsSchema>;
  /** The pace at the end, or the one a run that sent nothing would have started at. */
  rate: RatePace;
  exit_code: number;
  /** `--plan` / `--only-changed`: only where the value is not already empty. */
  clears: Record<WritableField, number>;
  clears_guard: ClearsGuardSummary;
  confirmed: Confirmation;
  duplicate_ids: number;
  superseded: number;
  stopped: RunStop | null;
  report_dir: string;
  retry_command: string | null;
  resume_command: string | null;
  resumed_from?: string;
  carried_over?: number;
  read?: z.infer<typeof readSummarySchema>;
  plan?: z.infer<typeof planSummarySchema>;
  reports?: 'not_written';
  rollback?: { rows: number; unrestorable: number; undo_command: string };
  problems?: ProblemRows;
}

export interface ProblemRows {
  rows: { line: number; error_code: string; message: string }[];
  total: number;
  reasons?: { error_code: string; rows: number; message: string }[];
}

/** Shown even at zero, so a reader sees "failed 0". */
const EXPECTED: Record<RunMode, readonly OutcomeKind[]> = {
  import: ['updated', 'invalid', 'failed'],
  'dry-run': ['valid', 'invalid'],
  plan: ['would_update', 'unchanged', 'invalid', 'failed'],
  'only-changed': ['updated', 'unchanged', 'invalid', 'failed'],
};

export function runSeconds(s: RunSummary): number {
  return (Date.parse(s.finished_at) - Date.parse(s.started_at)) / 1000;
}

export function renderSummary(s: RunSummary): string {
  const seconds = runSeconds(s);
  const expected = EXPECTED[s.mode] ?? [];
  const table: [string, string, string?][] = OUTCOME_KINDS.filter((k) => s.totals[k] > 0 || expected.includes(k)).map((k) => [
    k.replace('_', ' '),
    String(s.totals[k]),
    k === 'failed' ? failureReasons(s) : '',
  ]);
  table.push(['duration', formatDuration(seconds)]);
  if (s.mode !== 'dry-run') {
    const { total, retries, rate_limited } = s.requests;
    table.push(['requests', `${total} (${retries} retries, ${rate_limited} answered 429)`]);
    if (s.requests.total > 0) table.push(['pace', paceText(s.rate)]);
    table.push(['target', s.base_url]);
  }
  const labelWidth = Math.max(...table.map(([label]) => label.length));
  const numberWidth = Math.max(...table.map(([, value]) => (/^\d+$/.test(value) ? value.length : 0)));
  const sheet = s.input.sheet === null ? '' : `, sheet ${JSON.stringify(s.input.sheet)}`;
  const lines = [`vorel-sync ${s.mode}: ${s.input.rows} rows from ${s.input.path}${sheet}`];
  for (const [label, value, note] of table) {
    lines.push(`  ${label.padEnd(labelWidth)}  ${/^\d+$/.test(value) ? value.padStart(numberWidth) : value}${note ?? ''}`);
  }
  lines.push(...problemLines(s), ...readLines(s), ...clearsLines(s));
  if (s.carried_over !== undefined) lines.push(`${s.carried_over} rows carried over from run ${s.resumed_from ?? ''}.`);
  if (s.superseded > 0)
    lines.push(`${s.superseded} earlier rows were overwritten by a later row with the same id (left out of failed.csv).`);
  if (s.stopped) lines.push(`Stopped: ${s.stopped.message}`);
  if (s.reports === 'not_written') lines.push(`Reports: not written (the run folder could not take them): ${s.report_dir}`);
  else lines.push(`Report: ${path.join(s.report_dir, 'report.html')}`);
  if (s.resume_command !== null) lines.push('To continue where it stopped, run:', `  ${s.resume_command}`);
  if (s.retry_command !== null && s.mode === 'dry-run') {
    lines.push('Fix the invalid rows (listed in failed.csv and results.csv), then check the file again:', `  ${s.retry_command}`);
  } else if (s.retry_command !== null) {
    const fixFirst = s.totals.invalid > 0 ? 'fix the invalid rows in failed.csv, then ' : '';
    lines.push(
      `To retry the rows that did not go through${s.resume_command !== null ? ' (after the resume, or instead of it)' : ''}, ${fixFirst}run:`,
      `  ${s.retry_command}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** ` (network: 3 — getaddrinfo ENOTFOUND app.vorel.ai)`: a long message keeps its end, where the cause is. */
function failureReasons(s: RunSummary): string {
  const reasons = s.problems?.reasons ?? [];
  if (reasons.length === 0) return '';
  const text = reasons.map((r) => `${r.error_code}: ${r.rows} — ${r.message.length > 80 ? `…${r.message.slice(-79)}` : r.message}`);
  return ` (${text.join('; ')})`;
}

function problemLines(s: RunSummary): string[] {
  const p = s.problems;
  if (p === undefined || p.rows.length === 0) return [];
  const lineWidth = Math.max(...p.rows.map((r) => String(r.line).length));
  const codeWidth = Math.max(...p.rows.map((r) => r.error_code.length));
  const lines = p.rows.map((r) => `  line ${String(r.line).padEnd(lineWidth)}  ${r.error_code.padEnd(codeWidth)}  ${r.message}`);
  const more = p.total - p.rows.length;
  if (more > 0) lines.push(`  … and ${more} more in ${path.join(s.report_dir, 'results.csv')}`);
  return lines;
}

function clearsLines(s: RunSummary): string[] {
  const { customer_name: name, customer_language: language } = s.clears;
  const g = s.clears_guard;
  if (name + language === 0 && !g.tripped) return [];
  const guard = g.tripped ? 'refused by the clears guard' : g.allowed && g.over_limit.length > 0 ? 'allowed by --allow-clears' : 'within';
  return [`  clears: customer_name ${name}, customer_language ${language} (${guard} --max-clears ${g.limit})`];
}

function readLines(s: RunSummary): string[] {
  const lines: string[] = [];
  if (s.read) {
    const scanned = s.read.conversations_scanned === null ? '' : `, ${s.read.conversations_scanned} conversations scanned`;
    lines.push(
      `  read current values: ${s.read.strategy === 'get' ? 'one GET per row' : 'list scan'} (${s.read.requests} requests${scanned})`,
    );
  }
  if (s.plan) {
    const p = s.plan;
    lines.push(
      `  plan: ${p.would_change} rows would change; import --only-changed would send ${p.requests} requests ` +
        `(${p.read_requests} reads + ${p.patch_requests} PATCHes), at least ${p.estimated_minutes} min at ${p.rate} requests/min`,
    );
  }
  if (s.rollback) {
    const exact =
      s.rollback.unrestorable > 0
        ? ` (${s.rollback.unrestorable} hold values an import cannot restore exactly, see docs/cli.md, rollback.csv)`
        : '';
    lines.push(`  rollback.csv: ${s.rollback.rows} ids; undo with: ${s.rollback.undo_command}${exact}`);
  }
  return lines;
}
