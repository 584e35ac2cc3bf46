import cliProgress from 'cli-progress';
import type { Verbosity } from '../options.js';
import type { RunProgress } from '../pipeline/run.js';
import type { OutcomeKind, RowResult } from '../types.js';

/** Seconds between plain progress lines when stderr is not a terminal (cron, CI, pipes). */
const PLAIN_EVERY_MS = 10_000;

interface ProgressIo {
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  verbosity: Verbosity;
  now?: () => number;
}

/** A bar on a TTY, a line every ~10 s otherwise, nothing with --quiet. */
export function createProgress(io: ProgressIo): RunProgress | undefined {
  if (io.verbosity === 'quiet') return undefined;
  return io.stderr.isTTY === true ? new BarProgress(io) : new PlainProgress(io);
}

abstract class CountingProgress implements RunProgress {
  protected readonly counts = new Map<OutcomeKind, number>();
  protected totalBytes = 0;
  protected bytes = 0;
  protected rows = 0;
  protected startedAt = 0;
  protected rate: number | null = null;
  protected pausedUntil: () => number | null = () => null;
  protected startsInLastWindow: () => number = () => 0;
  protected readonly now: () => number;

  constructor(protected readonly io: ProgressIo) {
    this.now = io.now ?? Date.now;
  }

  start(info: Parameters<RunProgress['start']>[0]): void {
    this.totalBytes = info.totalBytes;
    this.startedAt = this.now();
    this.rate = info.rate;
    const limiter = info.client?.limiter;
    if (limiter) {
      this.pausedUntil = () => limiter.pausedUntil;
      this.startsInLastWindow = () => limiter.startsInLastWindow();
    }
  }

  bytesRead(bytes: number): void {
    this.bytes = bytes;
  }

  rowSettled(row: RowResult): void {
    this.rows++;
    this.counts.set(row.outcome.kind, (this.counts.get(row.outcome.kind) ?? 0) + 1);
  }

  abstract stop(): void;

  protected outcomeText(): string {
    return [...this.counts.entries()].map(([k, n]) => `${k} ${n}`).join(', ') || 'no rows yet';
  }

  protected rateText(): string {
    if (this.rate === null) return '';
    const paused = this.pausedUntil();
    const waiting = paused !== null && paused > this.now() ? ` · waiting for rate limit, resumes in ${Math.ceil((paused - this.now()) / 1000)} s` : '';
    return ` · ${this.startsInLastWindow()}/${this.rate} req/min${waiting}`;
  }

  protected percent(): number {
    return this.totalBytes === 0 ? 100 : Math.min(100, Math.floor((this.bytes / this.totalBytes) * 100));
  }
}

class PlainProgress extends CountingProgress {
  private timer: NodeJS.Timeout | undefined;

  override start(info: Parameters<RunProgress['start']>[0]): void {
    super.start(info);
    this.timer = setInterval(() => this.line(), PLAIN_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.line();
  }

  private line(): void {
    const elapsed = Math.round((this.now() - this.startedAt) / 1000);
    this.io.stderr.write(`progress: ${this.percent()}% of file read, ${this.rows} rows settled (${this.outcomeText()})${this.rateText()} · ${elapsed} s\n`);
  }
}

class BarProgress extends CountingProgress {
  private readonly bar = new cliProgress.SingleBar(
    {
      stream: this.io.stderr as NodeJS.WriteStream,
      format: '{bar} {percentage}% | {rows} rows | {outcomes}{rate} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
      fps: 5,
      noTTYOutput: false,
      // NO_COLOR: the bar uses no colour codes; only cursor moves, which a TTY needs.
      formatBar: undefined,
    },
    cliProgress.Presets.shades_classic,
  );
  private timer: NodeJS.Timeout | undefined;

  override start(info: Parameters<RunProgress['start']>[0]): void {
    super.start(info);
    this.bar.start(100, 0, this.payload());
    this.timer = setInterval(() => this.bar.update(this.percent(), this.payload()), 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.bar.update(this.percent(), this.payload());
    this.bar.stop();
  }

  private payload(): Record<string, string | number> {
    return { rows: this.rows, outcomes: this.outcomeText(), rate: this.rateText() };
  }
}
