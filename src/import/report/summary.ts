/** summary.json of an import, from its journal: the run at its end and `vorel-sync report` build it here. */
import path from 'node:path';
import { importExitCode } from '../../exit-code.js';
import type { InputSource } from '../../input/source.js';
import type { ImportOptions } from '../../options.js';
import { paceFor } from '../../rate-pace.js';
import type { RunStop, RunSummary } from '../../report/summary.js';
import type { OutcomeKind } from '../../types.js';
import { sends } from '../gate/gate.js';
import { formatLimit } from '../first-pass/clears-guard.js';
import type { JournalRun, RunFacts } from '../journal/journal-records.js';
import type { RatePace } from '../../rate-pace.js';
import { STDIN_COPY } from '../read/read.js';
import { resumeCommand, retryCommand, undoCommand } from './retry-command.js';

export interface RowTally {
  rows: number;
  totals: Record<OutcomeKind, number>;
  superseded: number;
  carriedOver: number;
  /** Of the rows this run settled (not carried over). */
  attempts?: number;
}

/** `endedAt`: when a run that never finished was last heard of (its journal's last change). */
export function buildSummary(run: JournalRun, facts: RunFacts, tally: RowTally, failedRows: number, endedAt = ''): RunSummary {
  const settled = tally.rows - tally.totals.not_attempted;
  const stop: RunStop | null =
    facts.finished_at === undefined
      ? {
          reason: 'unfinished',
          message: `the run ended without finishing (killed, or its machine stopped); its journal holds ${settled} settled rows`,
        }
      : (facts.stopped ?? null);
  // A refused or declined run sent nothing: the way on is the same file with other options, not a retry or a resume.
  const refused = stop?.reason === 'clears_guard' || stop?.reason === 'declined';
  const guard = facts.clears_guard ?? { limit: '', allowed: false, tripped: false, over_limit: [] };
  const summary: RunSummary = {
    run_id: run.run_id,
    mode: run.mode,
    input: {
      path: run.input.path,
      sha256: run.input.sha256,
      rows: tally.rows,
      ...(run.input.sheet === undefined
        ? { encoding: run.input.encoding, delimiter: run.input.delimiter, sheet: null }
        : { encoding: null, delimiter: null, sheet: run.input.sheet }),
    },
    base_url: run.options.base_url,
    key_fingerprint: facts.key_fingerprint ?? null,
    started_at: run.started_at ?? '',
    finished_at: facts.finished_at ?? endedAt,
    totals: tally.totals,
    requests: requestsOf(facts, tally),
    rate: { ...(facts.rate ?? paceFor('auto', undefined)) },
    exit_code: 0,
    clears: { ...(facts.clears ?? { customer_name: 0, customer_language: 0 }) },
    clears_guard: { ...guard, over_limit: [...guard.over_limit] },
    confirmed: facts.confirmed ?? 'not_asked',
    duplicate_ids: facts.duplicate_ids ?? 0,
    superseded: tally.superseded,
    stopped: stop,
    report_dir: facts.report_dir ?? '',
    retry_command: failedRows > 0 && !refused ? (facts.commands?.retry ?? null) : null,
    // A dry run or a plan sent nothing: it is run again, not resumed (a resume refuses it).
    resume_command: stop === null || refused || !sends(run.mode) ? null : (facts.commands?.resume ?? null),
    ...(facts.resumed_from === undefined ? {} : { resumed_from: facts.resumed_from, carried_over: tally.carriedOver }),
    ...(facts.read === undefined ? {} : { read: { ...facts.read } }),
    ...(facts.plan === undefined ? {} : { plan: { ...facts.plan } }),
  };
  summary.exit_code = importExitCode(summary, { mode: run.mode, detailedExitcode: facts.detailed_exitcode ?? false });
  return summary;
}

/** A run that never finished journaled its totals up to a second before it ended: its rows' attempts may say more. */
function requestsOf(facts: RunFacts, tally: RowTally): RunSummary['requests'] {
  const requests = { ...(facts.requests ?? { total: 0, retries: 0, rate_limited: 0 }) };
  if (facts.finished_at === undefined) requests.total = Math.max(requests.total, tally.attempts ?? 0);
  return requests;
}

export function startFacts(
  run: { dir: string },
  opts: ImportOptions,
  source: InputSource,
  resume: { run: { run_id: string } } | null,
  pace: RatePace,
): RunFacts {
  // A run that read stdin kept its bytes in its folder: the resume reads them there.
  const input = source.displayPath === '-' ? path.join(run.dir, STDIN_COPY) : source.displayPath;
  return {
    key_fingerprint: opts.keyFingerprint,
    report_dir: run.dir,
    detailed_exitcode: opts.detailedExitcode,
    commands: {
      retry: retryCommand(path.join(run.dir, 'failed.csv'), opts, source),
      // A dry run or a plan is run again, never resumed: its journal holds no resume command, as its summary.
      resume: sends(opts.mode) ? resumeCommand(input, run.dir, opts) : null,
      undo: undoCommand(path.join(run.dir, 'rollback.csv'), opts),
    },
    rate: { ...pace },
    clears_guard: { limit: formatLimit(opts.maxClears), allowed: opts.allowClears, tripped: false, over_limit: [] },
    ...(resume === null ? {} : { resumed_from: resume.run.run_id }),
  };
}
