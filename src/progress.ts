/** What `onProgress` receives: one state type for both commands, so one renderer draws either. */
import type { OutcomeKind } from './types.js';

interface CommonProgress {
  /** Request starts per minute allowed now (the pace in force), or null when nothing is sent (a dry run). */
  rate: number | null;
  /** Which pace is in force and why, e.g. "auto: 200/min from the API's rate headers"; null when nothing is sent. */
  pace: string | null;
  /** Requests started in the last rate window. */
  requestsLastMinute: number;
  /** Time left of a 429 pause or rate-limit hold, ms; null when none is in force. */
  pausedMs: number | null;
  elapsedMs: number;
  /** True once, in the last state of a run. */
  done: boolean;
}

/** An import: rows settled by outcome, and how much of the file was read. */
export interface ImportProgress extends CommonProgress {
  command: 'import';
  bytes: number;
  totalBytes: number;
  /** Rows settled. */
  rows: number;
  /** Data rows in the file when a first pass counted them (not for a dry run, which reads once). */
  rowsTotal: number | null;
  counts: Readonly<Partial<Record<OutcomeKind, number>>>;
}

/** An export: the API gives no total, so pages and rows so far. */
export interface ExportProgress extends CommonProgress {
  command: 'export';
  pages: number;
  /** Conversations read from the API. */
  scanned: number;
  /** Rows written (after the filters). */
  written: number;
}

export type ProgressState = ImportProgress | ExportProgress;

/** Between two `onProgress` calls while a run goes on. */
const PROGRESS_EVERY_MS = 250;

/** What the progress states read from the run's API client: its limiter and the pace in force. */
export interface PaceSource {
  readonly limiter: { readonly pausedUntil: number | null; startsInLastWindow(): number };
  readonly pace: { readonly per_min: number };
  readonly paceText: string;
}

/** The client's pace at `now`: the rate in force, starts in the last window and the time left of a pause. */
export function paceOf(client: PaceSource | null, now: number): Pick<CommonProgress, 'rate' | 'pace' | 'requestsLastMinute' | 'pausedMs'> {
  if (client === null) return { rate: null, pace: null, requestsLastMinute: 0, pausedMs: null };
  const paused = client.limiter.pausedUntil;
  return {
    rate: client.pace.per_min,
    pace: client.paceText,
    requestsLastMinute: client.limiter.startsInLastWindow(),
    pausedMs: paused !== null && paused > now ? paused - now : null,
  };
}

/**
 * Calls `emit(state(false))` now and every PROGRESS_EVERY_MS (an unref'd timer: it never holds the
 * process open); `stop()` sends the last state, with `done` set.
 */
export function startProgress<S extends ProgressState>(
  emit: ((state: S) => void) | undefined,
  state: (done: boolean) => S,
): { stop(): void } {
  if (emit === undefined) return { stop: () => undefined };
  emit(state(false));
  const timer = setInterval(() => emit(state(false)), PROGRESS_EVERY_MS);
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      emit(state(true));
    },
  };
}
