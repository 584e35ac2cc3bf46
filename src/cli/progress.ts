import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Verbosity } from '../options.js';
import type { RunProgress } from '../pipeline/run.js';
import { formatBytes, formatDuration } from '../report/format.js';
import { OUTCOME_KINDS, type OutcomeKind, type RowResult } from '../types.js';

/** Between plain progress lines when stderr is not a terminal (cron, CI, pipes). */
const PLAIN_EVERY_MS = 10_000;
/** Bar redraws per second: enough for a countdown in seconds, cheap over ssh. */
const BAR_FPS = 4;
const BAR_WIDTH = 20;
const SHOW_CURSOR = '\x1b[?25h';
/** DEC save/restore cursor: cli-progress restores the position the bar started at when it stops,
 * which is the wrong line once log lines were printed above the bar; we drop both. */
const SAVE_RESTORE_CURSOR = new Set(['\x1b7', '\x1b8']);

type Stderr = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Where progress goes, and the environment that decides its form. */
export interface ProgressIo {
  stderr: Stderr;
  env: Readonly<Record<string, string | undefined>>;
  verbosity: Verbosity;
  now?: () => number;
  /** Registers a hook run at process exit (e.g. a second Ctrl-C); returns its remover. */
  onExit?: (hook: () => void) => () => void;
}

/** A run's progress display and the stream log lines must use, so they print above a bar. */
export interface Progress extends RunProgress {
  readonly logStream: NodeJS.WritableStream;
}

/** A bar on a TTY, a line every ~10 s otherwise, nothing with --quiet (errors still print). */
export function createProgress(io: ProgressIo): Progress | undefined {
  if (io.verbosity === 'quiet') return undefined;
  return io.stderr.isTTY === true ? new BarProgress(io) : new PlainProgress(io);
}

/** NO_COLOR (no-color.org): present and not empty means no colour; never colour off a terminal. */
export function colourAllowed(stderr: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  return stderr.isTTY === true && (env.NO_COLOR ?? '') === '';
}

/** What the display knows at one moment; the text is a pure function of it. */
export interface ProgressSnapshot {
  bytes: number;
  totalBytes: number;
  rows: number;
  /** Data rows in the file when a first pass counted them (not for a dry run). */
  rowsTotal: number | null;
  counts: Readonly<Partial<Record<OutcomeKind, number>>>;
  /** `--rate`, or null when nothing is sent. */
  rate: number | null;
  /** Which pace is in force and why, e.g. "auto: 200/min from the API's rate headers". */
  pace?: string;
  requestsLastMinute: number;
  /** Time left of a 429 pause or rate-limit hold, ms; null when none is in force. */
  pausedMs: number | null;
  elapsedMs: number;
  done: boolean;
}

/** One ` · `-separated part of the progress line; `warn` parts are coloured when colour is allowed. */
export interface Segment {
  text: string;
  warn?: boolean;
}

/** Share of the work done: rows settled of rows counted, else bytes read of the file (a dry run). */
export function doneShare(s: ProgressSnapshot): number {
  if (s.done) return 1;
  if (s.rowsTotal !== null) return s.rowsTotal === 0 ? 1 : Math.min(1, s.rows / s.rowsTotal);
  return s.totalBytes === 0 ? 1 : Math.min(1, s.bytes / s.totalBytes);
}

/** Seconds left at the pace so far; null until there is a pace to go by. */
export function etaSeconds(s: ProgressSnapshot): number | null {
  const share = doneShare(s);
  if (share <= 0 || s.elapsedMs < 1000) return null;
  return ((s.elapsedMs / 1000) * (1 - share)) / share;
}

/** The parts after the bar, most urgent first: the longest (rows by outcome) is cut on a narrow terminal. */
export function progressSegments(s: ProgressSnapshot): Segment[] {
  const segments: Segment[] = [];
  if (s.pausedMs !== null && !s.done) {
    segments.push({ text: `waiting for rate limit, resumes in ${Math.max(1, Math.ceil(s.pausedMs / 1000))} s`, warn: true });
  }
  if (s.done) segments.push({ text: `took ${formatDuration(s.elapsedMs / 1000)}` });
  else {
    const eta = etaSeconds(s);
    segments.push({ text: `ETA ${eta === null ? '…' : formatDuration(eta)}` });
  }
  if (s.rate !== null) segments.push({ text: `${s.requestsLastMinute}/${s.rate} req/min${s.pace === undefined ? '' : `, ${s.pace}`}` });
  const byOutcome = OUTCOME_KINDS.filter((k) => (s.counts[k] ?? 0) > 0).map((k) => `${s.counts[k]} ${k.replace('_', ' ')}`);
  const rows = s.rowsTotal === null ? `${s.rows} rows` : `${s.rows}/${s.rowsTotal} rows`;
  segments.push({ text: byOutcome.length === 0 ? rows : `${rows}: ${byOutcome.join(', ')}` });
  segments.push({ text: `${formatBytes(s.bytes)} of ${formatBytes(s.totalBytes)} read` });
  return segments;
}

/** Joins parts into at most `width` characters (escape codes counted), cutting the last one with `…`. */
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

/** The plain line written to a log: no escape codes, elapsed time for the reader of a cron log. */
export function plainLine(s: ProgressSnapshot): string {
  const head = `progress: ${Math.floor(doneShare(s) * 100)}%`;
  const elapsed = s.done ? [] : [{ text: `elapsed ${formatDuration(s.elapsedMs / 1000)}` }];
  return fitLine(head, [...elapsed, ...progressSegments(s)], Number.POSITIVE_INFINITY, false);
}

const paceOf = (pace: string | undefined): { pace?: string } => (pace === undefined ? {} : { pace });

abstract class TrackingProgress implements Progress {
  abstract readonly logStream: NodeJS.WritableStream;
  private readonly counts: Partial<Record<OutcomeKind, number>> = {};
  private totalBytes = 0;
  private bytes = 0;
  private rows = 0;
  private rowsTotal: number | null = null;
  private startedAt = 0;
  private rate: () => number | null = () => null;
  private pace: () => string | undefined = () => undefined;
  private pausedUntil: () => number | null = () => null;
  private startsInLastWindow: () => number = () => 0;
  protected done = false;
  protected readonly now: () => number;

  constructor(protected readonly io: ProgressIo) {
    this.now = io.now ?? Date.now;
  }

  start(info: Parameters<RunProgress['start']>[0]): void {
    this.totalBytes = info.totalBytes;
    this.rowsTotal = info.rows;
    this.startedAt = this.now();
    this.rate = () => info.rate;
    const client = info.client;
    if (client) {
      const limiter = client.limiter;
      this.rate = () => client.pace.per_min;
      this.pace = () => client.paceText;
      this.pausedUntil = () => limiter.pausedUntil;
      this.startsInLastWindow = () => limiter.startsInLastWindow();
    }
  }

  bytesRead(bytes: number): void {
    this.bytes = bytes;
  }

  rowSettled(row: RowResult): void {
    this.rows++;
    this.counts[row.outcome.kind] = (this.counts[row.outcome.kind] ?? 0) + 1;
  }

  abstract stop(): void;

  protected snapshot(): ProgressSnapshot {
    const now = this.now();
    const paused = this.pausedUntil();
    return {
      bytes: this.done ? this.totalBytes : this.bytes,
      totalBytes: this.totalBytes,
      rows: this.rows,
      rowsTotal: this.rowsTotal,
      counts: this.counts,
      rate: this.rate(),
      ...paceOf(this.pace()),
      requestsLastMinute: this.startsInLastWindow(),
      pausedMs: paused !== null && paused > now ? paused - now : null,
      elapsedMs: now - this.startedAt,
      done: this.done,
    };
  }
}

/** cron, CI, pipes: a plain line every ~10 s and one at the end; never an escape code. */
class PlainProgress extends TrackingProgress {
  readonly logStream = this.io.stderr;
  private timer: NodeJS.Timeout | undefined;

  override start(info: Parameters<RunProgress['start']>[0]): void {
    super.start(info);
    this.timer = setInterval(() => this.line(), PLAIN_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.done = true;
    this.line();
  }

  private line(): void {
    this.io.stderr.write(`${plainLine(this.snapshot())}\n`);
  }
}

/** A terminal: one redrawn line; log lines are printed above it. */
class BarProgress extends TrackingProgress {
  readonly logStream: NodeJS.WritableStream;
  private readonly bar: cliProgress.SingleBar;
  private readonly colour: boolean;
  private active = false;
  private removeExitHook: () => void = () => {};

  constructor(io: ProgressIo) {
    super(io);
    this.colour = colourAllowed(io.stderr, io.env);
    const stderr = io.stderr;
    // What cli-progress writes to: the real terminal minus the save/restore-cursor pair.
    const terminal = {
      isTTY: true,
      get columns(): number {
        return stderr.columns ?? 80;
      },
      write: (chunk: string, callback?: () => void): boolean => {
        if (!SAVE_RESTORE_CURSOR.has(chunk)) return stderr.write(chunk, callback);
        callback?.();
        return true;
      },
    };
    this.bar = new cliProgress.SingleBar({
      stream: terminal as unknown as NodeJS.WriteStream,
      format: (options, params) => this.line(options, params.maxWidth),
      hideCursor: true,
      // true: cut the line to the terminal width. false would switch the terminal's line wrapping off
      // while the bar runs, and leave it off if the process is killed.
      linewrap: true,
      fps: BAR_FPS,
      // Redraw every frame: the countdown and req/min change while no byte is read.
      forceRedraw: true,
      barsize: BAR_WIDTH,
      barCompleteChar: '█',
      barIncompleteChar: '░',
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

  override start(info: Parameters<RunProgress['start']>[0]): void {
    super.start(info);
    this.active = true;
    // A second Ctrl-C exits at once: the cursor must not stay hidden in the user's shell.
    const onExit = this.io.onExit ?? processExitHook;
    this.removeExitHook = onExit(() => this.io.stderr.write(SHOW_CURSOR));
    this.bar.start(1, 0);
  }

  stop(): void {
    if (!this.active) return;
    this.done = true;
    this.bar.stop(); // final frame, cursor shown, line ended
    this.active = false;
    this.removeExitHook();
  }

  private line(options: cliProgress.Options, maxWidth: number): string {
    const s = this.snapshot();
    const share = doneShare(s);
    const head = `${cliProgress.Format.BarFormat(share, options)} ${String(Math.floor(share * 100)).padStart(3)}%`;
    return fitLine(head, progressSegments(s), maxWidth - 1, this.colour);
  }
}

function processExitHook(hook: () => void): () => void {
  process.once('exit', hook);
  return () => process.off('exit', hook);
}
