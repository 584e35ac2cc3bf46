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

export function createProgress(io: ProgressIo): Progress | undefined {
  return io.verbosity === 'quiet' ? undefined : display(io);
}

/**
 * A bar on a terminal: cli-progress' MultiBar, which unlike its SingleBar never restores the cursor
 * to where the bar started (above the log lines printed since); the cursor is ours to hide, since a
 * second Ctrl-C must show it. Otherwise a plain line every ~10 s and at the end. Once stderr fails
 * (EIO, EPIPE) the display stops, instead of redrawing into a dead terminal.
 */
function display(io: ProgressIo): Progress {
  const { stderr } = io;
  const tty = stderr.isTTY === true;
  const colour = (io.env.NO_COLOR ?? '') === ''; // no-color.org
  let state: ProgressState | null = null;
  let active = false;
  let lost = false;
  let timer: NodeJS.Timeout | undefined;
  let removeExitHook = (): void => {};
  const line = (maxWidth = stderr.columns ?? 80): string => {
    if (state === null) return '';
    return tty ? barLine(state, maxWidth - 1, colour) : plainLine(state);
  };
  const bars = !tty
    ? null
    : new (loadCliProgress().MultiBar)({
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
    if (lost || !active) return;
    active = false;
    bars?.stop();
    clearInterval(timer);
    stderr.write(`${line()}${tty ? SHOW_CURSOR : ''}\n`);
    removeExitHook();
  };
  stderr.on('error', () => {
    close();
    lost = true;
  });
  const update = (next: ProgressState): void => {
    const first = state === null;
    state = next;
    if (lost || !first || next.done) {
      if (next.done) close();
      return;
    }
    active = true;
    if (bars === null) {
      timer = setInterval(() => stderr.write(`${line()}\n`), PLAIN_EVERY_MS);
      timer.unref();
      return;
    }
    removeExitHook = (io.onExit ?? processExitHook)(() => stderr.write(SHOW_CURSOR));
    // The first frame at once (cli-progress draws its first one a frame later).
    stderr.write(`${HIDE_CURSOR}${line()}`);
    bars.create(1, 0);
  };
  const logStream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      stderr.write(tty && active ? `\r\x1b[2K${chunk.toString()}` : chunk.toString());
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
