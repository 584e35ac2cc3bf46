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
