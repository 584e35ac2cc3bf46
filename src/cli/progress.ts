/**
 * The one progress display of both commands, fed by the library's `onProgress` states: a bar on a
 * terminal, a plain line every ~10 s otherwise, nothing with --quiet (errors still print).
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type cliProgressModule from 'cli-progress';
import type { Verbosity } from '../options.js';
import type { ProgressState } from '../progress.js';
import { doneShare, fitLine, plainLine, progressSegments } from './progress-text.js';

/** cli-progress, loaded only when a bar is drawn: a run off a terminal never needs its ~7 MB. */
const loadCliProgress = (): typeof cliProgressModule => createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;

/** Between plain progress lines when stderr is not a terminal (cron, CI, pipes). */
const PLAIN_EVERY_MS = 10_000;
/** Bar redraws per second: enough for a countdown in seconds, cheap over ssh. */
const BAR_FPS = 4;
const BAR_WIDTH = 20;
const SHOW_CURSOR = '\x1b[?25h';
const HIDE_CURSOR = '\x1b[?25l';

type Stderr = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Where progress goes, and the environment that decides its form. */
interface ProgressIo {
  stderr: Stderr;
  env: Readonly<Record<string, string | undefined>>;
  verbosity: Verbosity;
  /** Registers a hook run at process exit (e.g. a second Ctrl-C); returns its remover. */
  onExit?: (hook: () => void) => () => void;
}

/** A run's progress display and the stream log lines must use, so they print above a bar. */
interface Progress {
  readonly logStream: NodeJS.WritableStream;
  /** Give it to the library as `onProgress`; the state with `done` ends the display. */
  readonly update: (state: ProgressState) => void;
  /** Ends the display if the run ended without a last state (it threw). */
  close(): void;
}

/**
 * A bar on a TTY, a line every ~10 s otherwise, nothing with --quiet. Once stderr fails (the SSH
 * connection dropped: EIO; the pipe's reader exited: EPIPE) the display stops for the rest of the
 * run, instead of redrawing four times a second into a dead terminal.
 */
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

/** cron, CI, pipes: a plain line every ~10 s and one at the end; never an escape code. */
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
 * A terminal: one line redrawn by cli-progress' MultiBar (with one bar), which, unlike its
 * SingleBar, never saves and restores the cursor position: a restore at the end would jump back
 * to the line the bar started on, above the log lines printed since. Log lines go above the bar;
 * the cursor is hidden and shown here, since the second Ctrl-C's exit hook must show it too.
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
    // The last frame is ours to write (close()), so that it stays on screen with the cursor shown.
    clearOnComplete: true,
    hideCursor: false,
    // true: cut the line to the terminal width. false would switch the terminal's line wrapping off
    // while the bar runs, and leave it off if the process is killed.
    linewrap: true,
    fps: BAR_FPS,
    // Redraw every frame: the countdown and req/min change while no byte is read.
    forceRedraw: true,
    gracefulExit: false,
  });
  const close = (): void => {
    if (!active) return;
    bars.stop(); // clears the bar's line
    active = false;
    stderr.write(`${line(stderr.columns ?? 80)}${SHOW_CURSOR}\n`);
    removeExitHook();
  };
  const update = (next: ProgressState): void => {
    const first = state === null;
    state = next;
    if (first && !next.done) {
      active = true;
      // A second Ctrl-C exits at once: the cursor must not stay hidden in the user's shell.
      removeExitHook = (io.onExit ?? processExitHook)(() => stderr.write(SHOW_CURSOR));
      // The first frame at once (cli-progress draws its first one a frame later).
      stderr.write(`${HIDE_CURSOR}${line(stderr.columns ?? 80)}`);
      bars.create(1, 0);
    }
    if (next.done) close();
  };
  // Clear the bar's line, print the log line; the next frame redraws the bar below it.
  const logStream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      stderr.write(active ? `\r\x1b[2K${chunk.toString()}` : chunk.toString());
      done();
    },
  });
  return { logStream, update, close };
}

function processExitHook(hook: () => void): () => void {
  process.once('exit', hook);
  return () => process.off('exit', hook);
}
