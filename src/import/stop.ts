/** The one switch that stops a run, whatever stops it. */
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

  get current(): RunStop | null {
    return this.stop;
  }

  /** Once; requests not started resolve `aborted`, in-flight ones finish. `said`: the line logged, if any. */
  halt(stop: RunStop, said: string | null = stop.message): void {
    if (this.stop !== null) return;
    this.stop = stop;
    this.client?.abort();
    if (said !== null) this.log.error(said);
  }

  /** Returns the listener's remover. */
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

  notAttempted(): RowOutcome {
    const stop = this.stop;
    if (stop === null) return { kind: 'not_attempted', code: 'aborted', message: 'no request could be made for this row', attempts: 0 };
    return { kind: 'not_attempted', code: notAttemptedCode(stop), message: `not sent: ${stop.message}`, attempts: 0 };
  }
}

/** A hang-up interrupts rows like Ctrl-C; only the exit code tells them apart. */
export function notAttemptedCode(stop: RunStop): NotAttemptedCode {
  if (stop.reason === 'hangup' || stop.reason === 'unfinished') return 'interrupted';
  if (stop.reason === 'write_failed') return 'aborted';
  return stop.reason;
}
