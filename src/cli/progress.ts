/** The progress display of both commands: a bar on a terminal, a plain line every ~10 s otherwise. */
import { Writable } from 'node:stream';
import type { Verbosity } from '../options.js';
import type { ImportProgress, ProgressState } from '../progress.js';
import { formatBytes, formatDuration } from '../report/format.js';
import { OUTCOME_KINDS } from '../types.js';

const PLAIN_EVERY_MS = 10_000;
/** Enough for a countdown in seconds, cheap over ssh. */
const BAR_EVERY_MS = 250;
const BAR_WIDTH = 20;
const SHOW_CURSOR = '\x1b[?25h';
const HIDE_CURSOR = '\x1b[?25l';
/** Back to the line's start, and clear it. */
const CLEAR_LINE = '\r\x1b[2K';

type Stderr = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

interface ProgressIo {
  stderr: Stderr;
  env: Readonly<Record<string, string | undefined>>;
  verbosity: Verbosity;
  /** Registers a hook run at process exit; returns its remover. */
  onExit?: (hook: () => void) => () => void;
}

interface Progress {
  readonly logStream: NodeJS.WritableStream;
  readonly update: (state: ProgressState) => void;
  /** Ends the display if the run threw before its last state. */
  close(): void;
}

/** Once stderr fails (EIO, EPIPE) the display stops, instead of redrawing into a dead terminal. */
export function createProgress(io: ProgressIo): Progress | undefined {
  if (io.verbosity === 'quiet') return undefined;
  const shown = display(io);
  let lost = false;
  io.stderr.on('error', () => {
    if (!lost) shown.close();
    lost = true;
  });
  return {
    logStream: shown.logStream,
    update: (state) => {
      if (!lost) shown.update(state);
    },
    close: () => {
      if (!lost) shown.close();
    },
  };
}

/**
 * On a terminal one line redrawn in place 4 times a second (log lines clear it and print above it;
 * the cursor is hidden, and shown again even by a second Ctrl-C's exit); otherwise a plain line
 * every ~10 s and at the end, never an escape code.
 */
function display(io: ProgressIo): Progress {
  const { stderr } = io;
  const tty = stderr.isTTY === true;
  const colour = (io.env.NO_COLOR ?? '') === ''; // no-color.org
  let state: ProgressState | null = null;
  let timer: NodeJS.Timeout | undefined;
  let removeExitHook = (): void => {};
  const frame = (): string => {
    if (state === null) return '';
    return tty ? `${CLEAR_LINE}${barLine(state, (stderr.columns ?? 80) - 1, colour)}` : `${plainLine(state)}\n`;
  };
  const draw = (): void => {
    stderr.write(frame());
  };
  const close = (): void => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    stderr.write(tty ? `${frame()}${SHOW_CURSOR}\n` : frame());
    removeExitHook();
  };
  const update = (next: ProgressState): void => {
    const first = state === null;
    state = next;
    if (next.done) close();
    else if (first) {
      if (tty) {
        removeExitHook = (io.onExit ?? processExitHook)(() => stderr.write(SHOW_CURSOR));
        stderr.write(HIDE_CURSOR);
        draw();
      }
      timer = setInterval(draw, tty ? BAR_EVERY_MS : PLAIN_EVERY_MS);
      timer.unref();
    }
  };
  const logStream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      stderr.write(tty && timer !== undefined ? `${CLEAR_LINE}${chunk.toString()}` : chunk.toString());
      done();
    },
  });
  return { logStream, update, close };
}

function barLine(s: ProgressState, width: number, colour: boolean): string {
  if (s.command === 'export') return fitLine('export', progressSegments(s), width, colour);
  const share = doneShare(s);
  const filled = Math.round(share * BAR_WIDTH);
  const head = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${String(Math.floor(share * 100)).padStart(3)}%`;
  return fitLine(head, progressSegments(s), width, colour);
}

/** One ` · `-separated part of the progress line. */
export interface Segment {
  text: string;
  warn?: boolean;
}

/** Rows settled of rows counted, else bytes read (a dry run). */
function doneShare(s: ImportProgress): number {
  if (s.done) return 1;
  if (s.rowsTotal !== null) return s.rowsTotal === 0 ? 1 : Math.min(1, s.rows / s.rowsTotal);
  return s.totalBytes === 0 ? 1 : Math.min(1, s.bytes / s.totalBytes);
}

export function etaSeconds(s: ImportProgress): number | null {
  const share = doneShare(s);
  if (share <= 0 || s.elapsedMs < 1000) return null;
  return ((s.elapsedMs / 1000) * (1 - share)) / share;
}

/** Most urgent first: the last and longest is cut on a narrow terminal. */
export function progressSegments(s: ProgressState): Segment[] {
  const segments: Segment[] = [];
  if (s.pausedMs !== null && !s.done) {
    segments.push({ text: `waiting for rate limit, resumes in ${Math.max(1, Math.ceil(s.pausedMs / 1000))} s`, warn: true });
  }
  if (s.done) segments.push({ text: `took ${formatDuration(s.elapsedMs / 1000)}` });
  else if (s.command === 'import') {
    const eta = etaSeconds(s);
    segments.push({ text: `ETA ${eta === null ? '…' : formatDuration(eta)}` });
  }
  if (s.rate !== null) segments.push({ text: `${s.requestsLastMinute}/${s.rate} req/min${s.pace === null ? '' : `, ${s.pace}`}` });
  if (s.command === 'export') {
    segments.push({ text: `${s.pages} pages, ${s.scanned} conversations read, ${s.written} rows written` });
    return segments;
  }
  const byOutcome = OUTCOME_KINDS.filter((k) => (s.counts[k] ?? 0) > 0).map((k) => `${s.counts[k]} ${k.replace('_', ' ')}`);
  const rows = s.rowsTotal === null ? `${s.rows} rows` : `${s.rows}/${s.rowsTotal} rows`;
  segments.push({ text: byOutcome.length === 0 ? rows : `${rows}: ${byOutcome.join(', ')}` });
  segments.push({ text: `${formatBytes(s.bytes)} of ${formatBytes(s.totalBytes)} read` });
  return segments;
}

/** At most `width` characters, escape codes counted. */
export function fitLine(head: string, segments: readonly Segment[], width: number, colour: boolean): string {
  let line = head;
  for (const segment of segments) {
    const text = colour && segment.warn ? `\x1b[33m${segment.text}\x1b[39m` : segment.text;
    const sep = line === '' ? '' : ' · ';
    if (line.length + sep.length + text.length <= width) {
      line += sep + text;
      continue;
    }
    const room = width - line.length - sep.length - 1;
    if (room >= 8 && !(colour && segment.warn)) line += `${sep}${segment.text.slice(0, room)}…`;
    break;
  }
  return line;
}

/** For a log: no escape codes, and the elapsed time. */
export function plainLine(s: ProgressState): string {
  const head = s.command === 'import' ? `progress: ${Math.floor(doneShare(s) * 100)}%` : 'progress: export';
  const elapsed = s.done ? [] : [{ text: `elapsed ${formatDuration(s.elapsedMs / 1000)}` }];
  return fitLine(head, [...elapsed, ...progressSegments(s)], Number.POSITIVE_INFINITY, false);
}

function processExitHook(hook: () => void): () => void {
  process.once('exit', hook);
  return () => process.off('exit', hook);
}
