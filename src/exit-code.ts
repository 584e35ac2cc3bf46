import type { ImportOptions } from './options.js';
import type { OutcomeKind } from './types.js';

/** The contract's exit codes; the highest-ranked that applies wins: 130/129 > 3 > 2 > 1 > 4 > 0. */
export const EXIT = Object.freeze({
  ok: 0,
  failed: 1,
  usage: 2,
  aborted: 3,
  changesPending: 4,
  interrupted: 130,
  hangup: 129,
});

/** Request failures that stop a whole run at once (exit 3): every other request would meet them too. */
export function stopsTheRun(code: string): boolean {
  return code === 'unauthorized' || code === 'forbidden' || code === 'proxy_auth' || code === 'certificate';
}

/** summary.json `stopped.reason`; `unfinished`: a journal that never ended (`vorel-sync report`). */
export const STOP_REASONS = ['aborted', 'interrupted', 'hangup', 'clears_guard', 'declined', 'write_failed', 'unfinished'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

const STOP_EXIT: Record<StopReason, number> = {
  interrupted: EXIT.interrupted,
  hangup: EXIT.hangup,
  unfinished: EXIT.interrupted,
  aborted: EXIT.aborted,
  clears_guard: EXIT.usage,
  declined: EXIT.usage,
  write_failed: EXIT.aborted,
};

export function stopExitCode(reason: StopReason): number {
  return STOP_EXIT[reason];
}

/** An import's exit code; a dry run or plan the clears guard trips runs through and still exits 2. */
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

/** Why a run was asked to stop from outside: a hang-up drains like Ctrl-C, only the exit code differs. */
export type Interruption = 'interrupted' | 'hangup';

/** The abort reason the CLI gives on SIGHUP; any other reason is an interruption. */
export class HangUp extends Error {
  constructor() {
    super('hang-up (SIGHUP)');
    this.name = 'HangUp';
  }
}

/** The abort reason on SIGINT or SIGTERM: only then do the words name Ctrl-C. */
export class StopSignal extends Error {
  constructor() {
    super('interrupted (SIGINT or SIGTERM)');
    this.name = 'StopSignal';
  }
}

export function interruptionOf(signal: AbortSignal): Interruption {
  return signal.reason instanceof HangUp ? 'hangup' : 'interrupted';
}

/** For the log line that starts the drain. */
export const INTERRUPTION_LABEL: Readonly<Record<Interruption, string>> = { interrupted: 'interrupted', hangup: 'hang-up (SIGHUP)' };

export const INTERRUPTION_CAUSE: Readonly<Record<Interruption, string>> = {
  interrupted: 'interrupted (Ctrl-C or SIGTERM)',
  hangup: 'hang-up (SIGHUP: the terminal or the SSH connection went away)',
};

/** In words for the summary: a library caller has no Ctrl-C, only its AbortSignal. */
export function interruptionCause(signal: AbortSignal): string {
  const why = interruptionOf(signal);
  if (why === 'hangup' || signal.reason instanceof StopSignal) return INTERRUPTION_CAUSE[why];
  return "stopped by the caller's AbortSignal";
}
