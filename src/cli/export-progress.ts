import type { ApiClient } from '../api/client.js';
import type { ExportCounts, ExportProgress } from '../export/run.js';
import type { Verbosity } from '../options.js';

/** Between plain lines when stderr is not a terminal (cron, CI, pipes), as for imports. */
const PLAIN_EVERY_MS = 10_000;
/** Between redraws of the one status line on a terminal. */
const TTY_EVERY_MS = 500;

interface ProgressIo {
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  verbosity: Verbosity;
  now?: () => number;
}

/**
 * Pages and rows so far on stderr: one line redrawn in place on a TTY, a plain line every ~10 s
 * otherwise, nothing with --quiet. The API gives no total, so there is no bar or ETA.
 */
export function createExportProgress(io: ProgressIo): ExportProgress | undefined {
  if (io.verbosity === 'quiet') return undefined;
  const tty = io.stderr.isTTY === true;
  const now = io.now ?? Date.now;
  let counts: Readonly<ExportCounts> = { pages: 0, scanned: 0, written: 0 };
  let startedAt = 0;
  let client: ApiClient | null = null;
  let timer: NodeJS.Timeout | undefined;

  const text = (): string => {
    const elapsed = Math.round((now() - startedAt) / 1000);
    const limiter = client?.limiter;
    const paused = limiter?.pausedUntil ?? null;
    const waiting = paused !== null && paused > now() ? `, waiting for rate limit (${Math.ceil((paused - now()) / 1000)} s)` : '';
    const pace = client ? ` · ${client.limiter.startsInLastWindow()}/${client.pace.per_min} req/min, ${client.paceText}${waiting}` : '';
    return `export: ${counts.pages} pages, ${counts.scanned} conversations read, ${counts.written} rows written${pace} · ${elapsed} s`;
  };
  const draw = (): void => {
    io.stderr.write(tty ? `\r\x1b[K${text()}` : `progress: ${text()}\n`);
  };

  return {
    start(info) {
      startedAt = now();
      client = info.client;
      timer = setInterval(draw, tty ? TTY_EVERY_MS : PLAIN_EVERY_MS);
      timer.unref();
    },
    update(next) {
      counts = { ...next };
    },
    stop() {
      if (timer) clearInterval(timer);
      draw();
      if (tty) io.stderr.write('\n');
    },
  };
}
