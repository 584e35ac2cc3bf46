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
export interface ProgressIo {
  stderr: Stderr;
  env: Readonly<Record<string, string | undefined>>;
  verbosity: Verbosity;
  /** Registers a hook run at process exit (e.g. a second Ctrl-C); returns its remover. */
  onExit?: (hook: () => void) => () => void;
}

/** A run's progress display and the stream log lines must use, so they print above a bar. */
export interface Progress {
  readonly logStream: NodeJS.WritableStream;
  /** Give it to the library as `onProgress`; the state with `done` ends the display. */
  readonly update: (state: ProgressState) => void;
  /** Ends the display if the run ended without a last state (it threw). */
  close(): void;
}

/** A bar on a TTY, a line every ~10 s otherwise, nothing with --quiet. */
export function createProgress(io: ProgressIo): Progress | undefined {
  if (io.verbosity === 'quiet') return undefined;
  return io.stderr.isTTY === true ? new BarProgress(io) : new PlainProgress(io);
}

/** NO_COLOR (no-color.org): present and not empty means no colour; never colour off a terminal. */
export function colourAllowed(stderr: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  return stderr.isTTY === true && (env.NO_COLOR ?? '') === '';
}

/** cron, CI, pipes: a plain line every ~10 s and one at the end; never an escape code. */
class PlainProgress implements Progress {
  readonly logStream: NodeJS.WritableStream;
  private state: ProgressState | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly io: ProgressIo) {
    this.logStream = io.stderr;
  }

  readonly update = (state: ProgressState): void => {
    const first = this.state === null;
    this.state = state;
    if (state.done) this.close();
    else if (first) {
      this.timer = setInterval(() => this.line(), PLAIN_EVERY_MS);
      this.timer.unref();
    }
  };

  close(): void {
    if (this.state === null || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.line();
  }

  private line(): void {
    if (this.state !== null) this.io.stderr.write(`${plainLine(this.state)}\n`);
  }
}

/**
 * A terminal: one line redrawn by cli-progress' MultiBar (with one bar), which, unlike its
 * SingleBar, never saves and restores the cursor position: a restore at the end would jump back
 * to the line the bar started on, above the log lines printed since. Log lines go above the bar;
 * the cursor is hidden and shown here, since the second Ctrl-C's exit hook must show it too.
 */
class BarProgress implements Progress {
  readonly logStream: NodeJS.WritableStream;
  private readonly bars: cliProgressModule.MultiBar;
  private readonly colour: boolean;
  private state: ProgressState | null = null;
  private active = false;
  private removeExitHook: () => void = () => {};

  constructor(private readonly io: ProgressIo) {
    this.colour = colourAllowed(io.stderr, io.env);
    const stderr = io.stderr;
    this.bars = new (loadCliProgress().MultiBar)({
      stream: stderr as NodeJS.WriteStream,
      format: (_options, params) => this.line(params.maxWidth),
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
    this.logStream = new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        // Clear the bar's line, print the log line; the next frame redraws the bar below it.
        stderr.write(this.active ? `\r\x1b[2K${chunk.toString()}` : chunk.toString());
        done();
      },
    });
  }

  readonly update = (state: ProgressState): void => {
    const first = this.state === null;
    this.state = state;
    if (first && !state.done) this.start();
    if (state.done) this.close();
  };

  close(): void {
    if (!this.active) return;
    this.bars.stop(); // clears the bar's line
    this.active = false;
    this.io.stderr.write(`${this.line(this.io.stderr.columns ?? 80)}${SHOW_CURSOR}\n`);
    this.removeExitHook();
  }

  private start(): void {
    this.active = true;
    // A second Ctrl-C exits at once: the cursor must not stay hidden in the user's shell.
    const onExit = this.io.onExit ?? processExitHook;
    this.removeExitHook = onExit(() => this.io.stderr.write(SHOW_CURSOR));
    // The first frame at once (cli-progress draws its first one a frame later).
    this.io.stderr.write(`${HIDE_CURSOR}${this.line(this.io.stderr.columns ?? 80)}`);
    this.bars.create(1, 0);
  }

  private line(maxWidth: number): string {
    const s = this.state;
    if (s === null) return '';
    if (s.command === 'export') return fitLine('export', progressSegments(s), maxWidth - 1, this.colour);
    const share = doneShare(s);
    const filled = Math.round(share * BAR_WIDTH);
    const head = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${String(Math.floor(share * 100)).padStart(3)}%`;
    return fitLine(head, progressSegments(s), maxWidth - 1, this.colour);
  }
}

function processExitHook(hook: () => void): () => void {
  process.once('exit', hook);
  return () => process.off('exit', hook);
}
