/**
 * A callback that throws must not crash the caller from inside our timers: the first throw stops the
 * run as an interruption would, and importCsv then rejects with CallbackError.
 */
import { EXIT } from '../exit-code.js';
import { VorelSyncError } from '../errors.js';
import type { ImportCsvOptions } from '../options.js';
import type { RunSummary } from '../report/summary.js';

type Callbacks = Pick<ImportCsvOptions, 'onRow' | 'onSuperseded' | 'onProgress'>;

/** The run stopped and its reports were written (`summary`). */
export class CallbackError extends VorelSyncError {
  constructor(
    readonly callback: keyof Callbacks,
    readonly summary: RunSummary,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `${callback} threw, so the run stopped (resume it with resume: '${summary.report_dir}'): ${why}`,
      'callback_failed',
      EXIT.aborted,
      {
        cause,
      },
    );
  }
}

export interface GuardedCallbacks {
  callbacks: Callbacks;
  /** Aborts when a callback throws, and with the caller's own signal. */
  signal: AbortSignal;
  failure(summary: RunSummary): CallbackError | null;
}

export function guardCallbacks(given: Callbacks, callerSignal: AbortSignal | undefined): GuardedCallbacks {
  const controller = new AbortController();
  const follow = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) follow();
  else callerSignal?.addEventListener('abort', follow, { once: true });
  let thrown: { callback: keyof Callbacks; error: unknown } | null = null;

  function guard<K extends keyof Callbacks>(name: K): Callbacks[K] {
    const callback = given[name] as ((arg: never) => void) | undefined;
    if (callback === undefined) return undefined;
    return ((arg: never) => {
      if (thrown !== null) return;
      try {
        callback(arg);
      } catch (error) {
        thrown = { callback: name, error };
        controller.abort();
      }
    }) as Callbacks[K];
  }

  return {
    callbacks: { onRow: guard('onRow'), onSuperseded: guard('onSuperseded'), onProgress: guard('onProgress') },
    signal: controller.signal,
    failure(summary) {
      callerSignal?.removeEventListener('abort', follow);
      const t: { callback: keyof Callbacks; error: unknown } | null = thrown;
      return t === null ? null : new CallbackError(t.callback, summary, t.error);
    },
  };
}
