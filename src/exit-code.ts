import type { ImportOptions } from './options.js';
import type { OutcomeKind } from './types.js';

/** The contract's exit codes, in one place (the highest-ranked that applies: 130/129 > 3 > 2 > 1 > 4 > 0). */
export const EXIT = Object.freeze({
  ok: 0,
  /** Some rows invalid, failed or not attempted; an unexpected failure. */
  failed: 1,
  /** Usage, key or whole-file error, the clears guard, or a declined confirmation: nothing was sent. */
  usage: 2,
  /** Aborted: 401/403, --max-errors, a failed scan, a write error (run folder or export output), the input changed. */
  aborted: 3,
  /** `--plan --detailed-exitcode`: changes are pending. */
  changesPending: 4,
  /** SIGINT/SIGTERM, or the library's AbortSignal. */
  interrupted: 130,
  /** SIGHUP (the terminal or the SSH connection went away), or an abort whose reason is a `HangUp`. */
  hangup: 129,
});

/**
 * Request failures that stop a whole run at once (exit 3): a key refused (401) or short of a scope
 * (403), the proxy refusing its credentials (407), a certificate that does not verify. Every other
 * request would meet them too.
 */
export function stopsTheRun(code: string): boolean {
  return code === 'unauthorized' || code === 'forbidden' || code === 'proxy_auth' || code === 'certificate';
}

/**
 * Why a run stopped early, as summary.json `stopped.reason` says it; `unfinished`: the journal of a
 * run that never ended (killed, the machine lost), as `vorel-sync report` tells it.
 */
export const STOP_REASONS = ['aborted', 'interrupted', 'hangup', 'clears_guard', 'declined', 'write_failed', 'unfinished'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

const STOP_EXIT: Record<StopReason, number> = {
  interrupted: EXIT.interrupted,
  hangup: EXIT.hangup,
  unfinished: EXIT.interrupted,
  aborted: EXIT.aborted,
  clears_guard: EXIT.usage,
  declined: EXIT.usage,
  // A write in the run folder or to the export's output failed (contract: exit 3).
  write_failed: EXIT.aborted,
};

/** The exit code of a run that stopped for `reason`. */
export function stopExitCode(reason: StopReason): number {
  return STOP_EXIT[reason];
}

/**
 * An import's exit code from its totals, why it stopped, if it did, and the clears guard (a dry run
 * or plan it trips does not stop, and still exits 2: a rehearsal of the refusal).
 */
export function importExitCode(
  summary: {
    totals: Readonly<Record<OutcomeKind, number>>;
    stopped: { reason: StopReason } | null;
    clears_guard: { tripped: boolean };
  },
  opts: Pick<ImportOptions, 'mode' | 'detailedExitcode'>,
): number {
  if (summary.stopped !== null) return stopExitCode(summary.stopped.reason);
  if (summary.clears_guard.tripped) return EXIT.usage;
  const { totals } = summary;
  if (totals.invalid + totals.failed + totals.not_attempted > 0) return EXIT.failed;
  if (opts.mode === 'plan' && opts.detailedExitcode && totals.would_update > 0) return EXIT.changesPending;
  return EXIT.ok;
}

/**
 * Why a run was asked to stop from outside. A hang-up (the terminal or the SSH connection went
 * away) drains exactly like Ctrl-C; only the exit code tells them apart (129 and 130), so a person
 * who reconnects can see from summary.json what ended the run.
 */
export type Interruption = 'interrupted' | 'hangup';

/** The reason the CLI aborts a run's signal with on SIGHUP; any other abort reason is an interruption. */
export class HangUp extends Error {
  constructor() {
    super('hang-up (SIGHUP)');
    this.name = 'HangUp';
  }
}

/** The reason the CLI aborts a run's signal with on SIGINT or SIGTERM: only then do the words name Ctrl-C. */
export class StopSignal extends Error {
  constructor() {
    super('interrupted (SIGINT or SIGTERM)');
    this.name = 'StopSignal';
  }
}

export function interruptionOf(signal: AbortSignal): Interruption {
  return signal.reason instanceof HangUp ? 'hangup' : 'interrupted';
}

/** What stopped the run, as the log line that starts the drain names it. */
export const INTERRUPTION_LABEL: Readonly<Record<Interruption, string>> = { interrupted: 'interrupted', hangup: 'hang-up (SIGHUP)' };

/** What stopped the run, in words for the summary. */
export const INTERRUPTION_CAUSE: Readonly<Record<Interruption, string>> = {
  interrupted: 'interrupted (Ctrl-C or SIGTERM)',
  hangup: 'hang-up (SIGHUP: the terminal or the SSH connection went away)',
};

/** What stopped the run, in words for the summary: a library caller has no Ctrl-C, only its AbortSignal. */
export function interruptionCause(signal: AbortSignal): string {
  const why = interruptionOf(signal);
  if (why === 'hangup' || signal.reason instanceof StopSignal) return INTERRUPTION_CAUSE[why];
  return "stopped by the caller's AbortSignal";
}
