/**
 * The gate between reading and writing: the clears guard, then the confirmation. It runs after
 * current values are read (the reading modes compare with them) and before the first PATCH, and
 * says whether the run may go on. A resumed run keeps the decision its journal holds.
 */
import type { Logger } from '../../log.js';
import type { ClearsLimit, Confirm, ConfirmPreview, ImportOptions, RunMode } from '../../options.js';
import type { ClearsGuardSummary, Confirmation, RunStop } from '../../report/summary.js';
import { WRITABLE_FIELDS } from '../../types.js';
import type { CheckedRow, RowTarget } from '../read/check.js';
import { type ClearsCount, formatLimit } from '../first-pass/clears-guard.js';
import type { CurrentRead } from '../modes/current-values.js';
import type { FileScan } from '../first-pass/first-pass.js';
import { countPending, type PendingCount } from '../modes/pending.js';

/** Why the gate closed; the run's rows are then `not_attempted` with this code. */
export type GateStop = RunStop & { reason: 'clears_guard' | 'declined' | 'aborted' };

/** What the summary records of the gate. */
export interface GateVerdict {
  guard: ClearsGuardSummary;
  /** The clears the guard judged: under `--plan` / `--only-changed` only where the value is not already empty. */
  counted: ClearsCount;
  confirmed: Confirmation;
}

export interface GateResult extends GateVerdict {
  stop: GateStop | null;
  /** What to print when the gate closes, when it says more than `stop.message`. */
  say: string | null;
}

export interface GateInput {
  opts: Pick<ImportOptions, 'mode' | 'maxClears' | 'allowClears' | 'yes' | 'maxErrors' | 'concurrency' | 'baseUrl' | 'matchBy'>;
  scan: FileScan;
  /** The input as the summary names it. */
  input: string;
  keyFingerprint: string;
  /** Reads a row's current values ahead of its handling (the reading modes), else null. */
  prefetch: ((target: RowTarget) => Promise<CurrentRead>) | null;
  /** A fresh pass over the file's rows (a resume's carried rows left out). */
  rows(): Promise<AsyncIterable<CheckedRow>>;
  /** The decision of the run a resume continues, and how many rows it carries over. */
  resume: { runId: string; guard: ClearsGuardSummary | null; carriedRows: number } | null;
  confirm: Confirm | undefined;
  log: Logger;
  /** The run stopped meanwhile (Ctrl-C). */
  stopped(): boolean;
}

/** The modes that send PATCHes: the ones a confirmation is asked for, and a resume continues. */
export const sends = (mode: RunMode): mode is 'import' | 'only-changed' => mode === 'import' || mode === 'only-changed';

/** The clears guard (kept from the journal on a resume), then the question; says whether the run may send. */
export async function passGate(input: GateInput): Promise<GateResult> {
  const { opts, scan, log } = input;
  const compares = opts.mode === 'plan' || opts.mode === 'only-changed';
  const kept = input.resume?.guard ?? null;
  const asks = input.confirm !== undefined && !opts.yes && sends(opts.mode);
  const fileCount: ClearsCount = { clears: scan.clears, firstLines: scan.firstLines };
  const anyClears = scan.clears.customer_name + scan.clears.customer_language > 0;

  // Compare with current values when the count depends on them, or the question shows how many rows differ.
  const countAgain = (kept === null && compares && anyClears) || (asks && (input.resume !== null || opts.mode === 'only-changed'));
  let pending: PendingCount | null = null;
  if (countAgain) {
    pending = await countPending(await input.rows(), {
      read: compares ? input.prefetch : null,
      readAll: asks && opts.mode === 'only-changed',
      repeated: (id) => scan.duplicateIds.has(id) || opts.matchBy === 'customer_identifier',
      concurrency: opts.concurrency,
      maxErrors: opts.maxErrors,
      stopped: input.stopped,
    });
  }
  const counted: ClearsCount = compares && pending !== null ? pending : fileCount;
  const confirmedBy = (asked: boolean): Confirmation => (asked ? 'prompt' : opts.yes && sends(opts.mode) ? 'flag' : 'not_asked');
  const guard = kept ?? decideClears(counted, scan.rows, opts.maxClears, opts.allowClears);
  // Reading failed (a bad key, a dead API): the run stops as it would have on the same reads.
  if (pending?.failure != null)
    return { guard, counted, confirmed: confirmedBy(false), stop: { reason: 'aborted', message: pending.failure }, say: null };
  if (kept === null) {
    if (guard.tripped) {
      const message = guardMessage(guard, counted, scan.rows, opts.mode, compares);
      if (!sends(opts.mode)) log.error(message);
      const field = guard.over_limit.join(' and ');
      const stop: GateStop = {
        reason: 'clears_guard',
        message: `the clears guard refused the run (${field} above --max-clears ${guard.limit}); nothing was sent`,
      };
      return {
        guard,
        counted,
        confirmed: confirmedBy(false),
        stop: sends(opts.mode) ? stop : null,
        say: sends(opts.mode) ? message : null,
      };
    }
    for (const line of allowedLines(guard, counted, scan.rows)) log.warn(line);
  }

  const toUpdate = pending?.toUpdate ?? scan.validRows;
  if (!asks || input.confirm === undefined || toUpdate === 0 || input.stopped())
    return { guard, counted, confirmed: confirmedBy(false), stop: null, say: null };
  const yes = await input.confirm(previewOf(input, pending, toUpdate));
  return {
    guard,
    counted,
    confirmed: 'prompt',
    stop: yes || input.stopped() ? null : { reason: 'declined', message: 'not confirmed: nothing was sent (--yes skips the question)' },
    say: null,
  };
}

/** What the question shows: the target, and the counts as the gate made them. */
function previewOf(input: GateInput, pending: PendingCount | null, toUpdate: number): ConfirmPreview {
  const { opts, scan } = input;
  return {
    mode: opts.mode === 'only-changed' ? 'only-changed' : 'import',
    input: input.input,
    rows: scan.rows,
    rowsToUpdate: toUpdate,
    unchanged: opts.mode === 'only-changed' && pending !== null ? pending.unchanged : null,
    clears: { ...(pending ?? scan).clears },
    duplicateIds: scan.duplicateIds.size,
    baseUrl: opts.baseUrl,
    keyFingerprint: input.keyFingerprint,
    resumedFrom: input.resume?.runId ?? null,
    carriedOver: input.resume?.carriedRows ?? 0,
  };
}

/** A dry run counts while it reads: the same check at its end, said as a rehearsal (exit 2 above the limit). */
export function judgeDryRun(scan: FileScan, opts: Pick<ImportOptions, 'mode' | 'maxClears' | 'allowClears'>, log: Logger): GateVerdict {
  const counted: ClearsCount = { clears: scan.clears, firstLines: scan.firstLines };
  const guard = decideClears(counted, scan.rows, opts.maxClears, opts.allowClears);
  if (guard.tripped) log.error(guardMessage(guard, counted, scan.rows, opts.mode, false));
  else for (const line of allowedLines(guard, counted, scan.rows)) log.warn(line);
  return { guard, counted, confirmed: 'not_asked' };
}

/** More rows than the limit clear the field. Percentages compare exactly: 10% of 25 rows lets 2 through, not 3. */
export function exceedsLimit(limit: ClearsLimit, clears: number, dataRows: number): boolean {
  return limit.kind === 'rows' ? clears > limit.rows : clears * 100 > limit.percent * dataRows;
}

/** Decides on counted clears. */
export function decideClears(count: ClearsCount, dataRows: number, limit: ClearsLimit, allowed: boolean): ClearsGuardSummary {
  const overLimit = WRITABLE_FIELDS.filter((field) => exceedsLimit(limit, count.clears[field], dataRows));
  return { limit: formatLimit(limit), allowed, tripped: !allowed && overLimit.length > 0, over_limit: overLimit };
}

function share(n: number, of: number): string {
  if (of === 0) return '0%';
  const percent = (n / of) * 100;
  return `${percent < 1 && n > 0 ? percent.toFixed(1) : Math.round(percent)}%`;
}

function lineList(lines: readonly number[], total: number): string {
  return `line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}${total > lines.length ? ', …' : ''}`;
}

/**
 * What the guard says when it trips: per field the count, the share and the first lines, then
 * the ways on. `counted` says whether current values were compared (a field already empty is
 * not a clear there).
 */
export function guardMessage(decision: ClearsGuardSummary, count: ClearsCount, dataRows: number, mode: RunMode, compared: boolean): string {
  const where = compared ? ' where it is not already empty' : '';
  const fields = decision.over_limit.map((field) => {
    const n = count.clears[field];
    return `  ${field}: ${n} of ${dataRows} rows (${share(n, dataRows)}) would clear it${where}, ${lineList(count.firstLines[field], n)}`;
  });
  const head =
    mode === 'dry-run' || mode === 'plan'
      ? `the clears guard would refuse this file (more than --max-clears ${decision.limit} per field); a real run would send nothing:`
      : `the clears guard refused the run before any update: nothing was sent (more than --max-clears ${decision.limit} per field):`;
  const ways = [
    'If the clears are intended, run again with --allow-clears (or a higher --max-clears).',
    'To leave empty cells untouched instead of clearing, use --empty keep.',
    ...(compared ? [] : ['To send only real changes (a field already empty is no clear), use --only-changed (or --plan first).']),
  ];
  return [head, ...fields, ...ways].join('\n');
}

/** One warning line per field above the limit when `--allow-clears` lifted it. */
export function allowedLines(decision: ClearsGuardSummary, count: ClearsCount, dataRows: number): string[] {
  return decision.over_limit.map(
    (field) => `${count.clears[field]} of ${dataRows} rows (${share(count.clears[field], dataRows)}) clear ${field} (--allow-clears)`,
  );
}
