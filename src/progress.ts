/** What `onProgress` receives: one state type for both commands. */
import type { OutcomeKind } from './types.js';

interface CommonProgress {
  /** Starts per minute allowed now; null when nothing is sent. */
  rate: number | null;
  /** Which pace is in force and why; null when nothing is sent. */
  pace: string | null;
  requestsLastMinute: number;
  /** Time left of a 429 pause, ms. */
  pausedMs: number | null;
  elapsedMs: number;
  done: boolean;
}

export interface ImportProgress extends CommonProgress {
  command: 'import';
  bytes: number;
  totalBytes: number;
  rows: number;
  /** Null for a dry run, which reads the file once. */
  rowsTotal: number | null;
  counts: Readonly<Partial<Record<OutcomeKind, number>>>;
}

export interface ExportProgress extends CommonProgress {
  command: 'export';
  pages: number;
  scanned: number;
  written: number;
}

export type ProgressState = ImportProgress | ExportProgress;

const PROGRESS_EVERY_MS = 250;

/** What the progress states read from the run's API client. */
export interface PaceSource {
  readonly limiter: { readonly pausedUntil: number | null; startsInLastWindow(): number };
  readonly pace: { readonly per_min: number };
  readonly paceText: string;
}

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

/** Emits a state now and every PROGRESS_EVERY_MS; `stop()` emits the last one, `done` set. */
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
