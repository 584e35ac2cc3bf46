/** The one switch that stops a run: set by a signal, a 401/403, the breaker, a failed scan, the clears guard or a declined `confirm`. */
import type { ApiClient } from '../api/client.js';
import type { Logger } from '../log.js';
import type { RunStop } from '../report/summary.js';
import type { RowOutcome } from '../types.js';

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

  /** Stops the run once (later calls are ignored): requests not started resolve `aborted`, in-flight ones finish. */
  halt(stop: RunStop, said = stop.message): void {
    if (this.stop !== null) return;
    this.stop = stop;
    this.client?.abort();
    this.log.error(said);
  }

  /** Aborting `signal` interrupts the run; returns the listener's remover. */
  watch(signal: AbortSignal): () => void {
    const onAbort = (): void =>
      this.halt(
        { reason: 'interrupted', message: 'interrupted (Ctrl-C or SIGTERM)' },
        'interrupted: finishing the requests in flight, then writing the reports',
      );
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  /** The outcome of a row the stop kept from being sent. */
  notAttempted(): RowOutcome {
    const stop = this.stop;
    if (stop === null) return { kind: 'not_attempted', code: 'aborted', message: 'no request could be made for this row' };
    return { kind: 'not_attempted', code: stop.reason, message: `not sent: ${stop.message}` };
  }
}
