/** The progress display of both commands: a bar on a terminal, a plain line every ~10 s otherwise. */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type cliProgressModule from 'cli-progress';
import type { Verbosity } from '../options.js';
import type { ImportProgress, ProgressState } from '../progress.js';
import { formatBytes, formatDuration } from '../report/format.js';
import { OUTCOME_KINDS } from '../types.js';

/** cli-progress, loaded only when a bar is drawn: a run off a terminal never needs its ~7 MB. */
const loadCliProgress = (): typeof cliProgressModule => createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;

const PLAIN_EVERY_MS = 10_000;
/** Enough for a countdown in seconds, cheap over ssh. */
const BAR_FPS = 4;
const BAR_WIDTH = 20;
const SHOW_CURSOR = '\x1b[?25h';
const HIDE_CURSOR = '\x1b[?25l';

type Stderr = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

interface ProgressIo {
  stderr: Stderr;
  env: Readonly<Record<string, string | undefined>>;
  verbosity: Verbosity;
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
  const display = io.stderr.isTTY === true ? barProgress(io) : plainProgress(io);
  let lost = false;
  io.stderr.on('error', () => {
    if (!lost) display.close();
    lost = true;
  });
  return {
    logStream: display.logStream,
    update: (state) => {
      if (!lost) display.update(state);
    },
    close: () => {
      if (!lost) display.close();
    },
  };
}

function plainProgress(io: ProgressIo): Progress {
  let state: ProgressState | null = null;
  let timer: NodeJS.Timeout | undefined;
  const line = (): void => {
    if (state !== null) io.stderr.write(`${plainLine(state)}\n`);
  };
  const close = (): void => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    line();
  };
  const update = (next: ProgressState): void => {
    const first = state === null;
    state = next;
    if (next.done) close();
    else if (first) {
      timer = setInterval(line, PLAIN_EVERY_MS);
      timer.unref();
    }
  };
  return { logStream: io.stderr, update, close };
}

/**
 * cli-progress' MultiBar, unlike its SingleBar, never restores the cursor to where the bar started
 * (above the log lines printed since). The cursor is ours to hide: a second Ctrl-C must show it.
 */
function barProgress(io: ProgressIo): Progress {
  const { stderr } = io;
  const colour = stderr.isTTY === true && (io.env.NO_COLOR ?? '') === ''; // no-color.org
  let state: ProgressState | null = null;
  let active = false;
  let removeExitHook = (): void => {};
  const line = (maxWidth: number): string => {
    if (state === null) return '';
    if (state.command === 'export') return fitLine('export', progressSegments(state), maxWidth - 1, colour);
    const share = doneShare(state);
    const filled = Math.round(share * BAR_WIDTH);
    const head = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${String(Math.floor(share * 100)).padStart(3)}%`;
    return fitLine(head, progressSegments(state), maxWidth - 1, colour);
  };
  const bars = new (loadCliProgress().MultiBar)({
    stream: stderr as NodeJS.WriteStream,
    format: (_options, params) => line(params.maxWidth),
    // The last frame is ours to write (close()), to stay on screen.
    clearOnComplete: true,
    hideCursor: false,
    // false would switch the terminal's line wrapping off, and leave it off if the process is killed.
    linewrap: true,
    fps: BAR_FPS,
    // The countdown and req/min change while no byte is read.
    forceRedraw: true,
    gracefulExit: false,
  });
  const close = (): void => {
    if (!active) return;
    bars.stop();
    active = false;
    stderr.write(`${line(stderr.columns ?? 80)}${SHOW_CURSOR}\n`);
    removeExitHook();
  };
  const update = (next: ProgressState): void => {
    const first = state === null;
    state = next;
    if (first && !next.done) {
      active = true;
      removeExitHook = (io.onExit ?? processExitHook)(() => stderr.write(SHOW_CURSOR));
      // The first frame at once (cli-progress draws its first one a frame later).
      stderr.write(`${HIDE_CURSOR}${line(stderr.columns ?? 80)}`);
      bars.create(1, 0);
    }
    if (next.done) close();
  };
  const logStream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      stderr.write(active ? `\r\x1b[2K${chunk.toString()}` : chunk.toString());
      done();
    },
  });
  return { logStream, update, close };
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
