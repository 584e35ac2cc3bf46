/** The one switch that stops a run: set by a signal, a 401/403, the breaker, a failed scan, the clears guard, a declined `confirm` or a fault. */
import type { ApiClient } from '../api/client.js';
import { INTERRUPTION_LABEL, interruptionCause, interruptionOf } from '../exit-code.js';
import type { Logger } from '../log.js';
import type { RunStop } from '../report/summary.js';
import type { NotAttemptedCode, RowOutcome } from '../types.js';

export class StopSwitch {
  private stop: RunStop | null = null;

  constructor(
    private readonly log: Logger,
    private readonly client: ApiClient | null,
  ) {}

  /** Why the run stopped, or null while it goes on. */
  get current(): RunStop | null {
    return this.stop;
  }

  /**
   * Stops the run once (later calls are ignored): requests not started resolve `aborted`, in-flight
   * ones finish. `said` is the error line logged (none when null: the caller tells it its own way).
   */
  halt(stop: RunStop, said: string | null = stop.message): void {
    if (this.stop !== null) return;
    this.stop = stop;
    this.client?.abort();
    if (said !== null) this.log.error(said);
  }

  /** Aborting `signal` interrupts the run (a `HangUp` reason: a hang-up); returns the listener's remover. */
  watch(signal: AbortSignal): () => void {
    const onAbort = (): void => {
      const why = interruptionOf(signal);
      this.halt(
        { reason: why, message: interruptionCause(signal) },
        `${INTERRUPTION_LABEL[why]}: finishing the requests in flight, then writing the reports`,
      );
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  /** The outcome of a row the stop kept from being sent. */
  notAttempted(): RowOutcome {
    const stop = this.stop;
    if (stop === null) return { kind: 'not_attempted', code: 'aborted', message: 'no request could be made for this row', attempts: 0 };
    return { kind: 'not_attempted', code: notAttemptedCode(stop), message: `not sent: ${stop.message}`, attempts: 0 };
  }
}

/**
 * A hang-up interrupts rows like Ctrl-C does; only the run's exit code tells them apart. A write
 * error aborts them like any other stop: the summary's `stopped.reason` names the cause.
 */
export function notAttemptedCode(stop: RunStop): NotAttemptedCode {
  if (stop.reason === 'hangup' || stop.reason === 'unfinished') return 'interrupted';
  if (stop.reason === 'write_failed') return 'aborted';
  return stop.reason;
}
