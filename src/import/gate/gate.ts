/** Between reading and the first PATCH: the clears guard (a resume keeps its journal's), then the confirmation. */
import type { Logger } from '../../log.js';
import type { ClearsLimit, Confirm, ConfirmPreview, ImportOptions, RunMode } from '../../options.js';
import type { ClearsGuardSummary, Confirmation, RunStop, RunSummary } from '../../report/summary.js';
import { WRITABLE_FIELDS } from '../../types.js';
import type { CheckedRow, RowTarget } from '../read/check.js';
import { type ClearsCount, formatLimit } from '../first-pass/clears-guard.js';
import type { CurrentRead } from '../modes/current-values.js';
import type { FileScan } from '../first-pass/first-pass.js';
import { countPending, type PendingCount } from '../modes/pending.js';

/** Why the gate closed; the run's rows are then `not_attempted` with this code. */
export type GateStop = RunStop & { reason: 'clears_guard' | 'declined' | 'aborted' };

export interface GateVerdict {
  guard: ClearsGuardSummary;
  /** Under `--plan` / `--only-changed` only where the value is not already empty. */
  counted: ClearsCount;
  confirmed: Confirmation;
}

/** What summary.json (and the journal, before the first PATCH) records of the gate. */
export type GateFacts = Pick<RunSummary, 'clears' | 'clears_guard' | 'confirmed' | 'duplicate_ids'>;

export function gateFacts(verdict: GateVerdict, scan: FileScan): GateFacts {
  return {
    clears: { ...verdict.counted.clears },
    clears_guard: verdict.guard,
    confirmed: verdict.confirmed,
    duplicate_ids: scan.duplicateIds.size,
  };
}

export interface GateResult extends GateVerdict {
  stop: GateStop | null;
  /** Printed when the gate closes, if it says more than `stop.message`. */
  say: string | null;
}

export interface GateInput {
  opts: Pick<ImportOptions, 'mode' | 'maxClears' | 'allowClears' | 'yes' | 'maxErrors' | 'concurrency' | 'baseUrl' | 'matchBy'>;
  scan: FileScan;
  input: string;
  keyFingerprint: string;
  prefetch: ((target: RowTarget) => Promise<CurrentRead>) | null;
  /** A fresh pass over the rows, a resume's carried rows left out. */
  rows(): Promise<AsyncIterable<CheckedRow>>;
  resume: { runId: string; guard: ClearsGuardSummary | null; carriedRows: number } | null;
  confirm: Confirm | undefined;
  log: Logger;
  stopped(): boolean;
}

/** The modes a confirmation is asked for, and a resume continues. */
export const sends = (mode: RunMode): mode is 'import' | 'only-changed' => mode === 'import' || mode === 'only-changed';

export async function passGate(input: GateInput): Promise<GateResult> {
  const { opts, scan, log } = input;
  const compares = opts.mode === 'plan' || opts.mode === 'only-changed';
  const kept = input.resume?.guard ?? null;
  const asks = input.confirm !== undefined && !opts.yes && sends(opts.mode);
  const fileCount: ClearsCount = { clears: scan.clears, firstLines: scan.firstLines };
  const anyClears = scan.clears.customer_name + scan.clears.customer_language > 0;

  // Compare when the count depends on current values, or the question shows how many rows differ.
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

/** A dry run counts while it reads: the same check at its end, as a rehearsal. */
export function judgeDryRun(scan: FileScan, opts: Pick<ImportOptions, 'mode' | 'maxClears' | 'allowClears'>, log: Logger): GateFacts {
  const counted: ClearsCount = { clears: scan.clears, firstLines: scan.firstLines };
  const guard = decideClears(counted, scan.rows, opts.maxClears, opts.allowClears);
  if (guard.tripped) log.error(guardMessage(guard, counted, scan.rows, opts.mode, false));
  else for (const line of allowedLines(guard, counted, scan.rows)) log.warn(line);
  return gateFacts({ guard, counted, confirmed: 'not_asked' }, scan);
}

/** Percentages compare exactly: 10% of 25 rows lets 2 through, not 3. */
export function exceedsLimit(limit: ClearsLimit, clears: number, dataRows: number): boolean {
  return limit.kind === 'rows' ? clears > limit.rows : clears * 100 > limit.percent * dataRows;
}

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

/** Per field the count, the share and the first lines, then the ways on. */
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

/** Per field above the limit that `--allow-clears` lifted. */
export function allowedLines(decision: ClearsGuardSummary, count: ClearsCount, dataRows: number): string[] {
  return decision.over_limit.map(
    (field) => `${count.clears[field]} of ${dataRows} rows (${share(count.clears[field], dataRows)}) clear ${field} (--allow-clears)`,
  );
}
