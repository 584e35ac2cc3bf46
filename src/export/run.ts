/** `vorel-sync export`: scan → filter → write, one page in memory at a time. */
import { createApiClient, type ApiClient } from '../api/client.js';
import { keyFingerprint } from '../cli/credentials.js';
import type { Logger } from '../cli/log.js';
import { INTERRUPTION_CAUSE, INTERRUPTION_EXIT_CODE, type Interruption, interruptionOf } from '../interruption.js';
import { writeFault } from '../report/write-fault.js';
import { matches, pastLowerBound } from './filter.js';
import type { ExportOptions } from './options.js';
import { scanPages, ScanStopped } from './scan.js';
import { BOM, headerLine, openFileSink, rowLine, streamSink, type CsvSink } from './write.js';

/** What an export talks to: injected so tests can drive it in-process. */
export interface ExportEnvironment {
  stdout: NodeJS.WritableStream;
  log: Logger;
  /** Aborts on SIGINT/SIGTERM (exit 130) or with a HangUp (SIGHUP, exit 129): the page in flight finishes, the temp file is removed. */
  signal: AbortSignal;
  progress?: ExportProgress | undefined;
  now?: () => Date;
}

/** Counts so far, for the progress display. */
export interface ExportCounts {
  pages: number;
  /** Conversations read from the API. */
  scanned: number;
  /** Rows written (after the filters). */
  written: number;
}

export interface ExportProgress {
  start(info: { rate: number; client: ApiClient }): void;
  update(counts: Readonly<ExportCounts>): void;
  stop(): void;
}

/** Why the scan ended before the last page, when the output is still complete for what was asked. */
export type EarlyEnd = 'limit' | 'created_after' | null;

/** The export's summary (`--json`). */
export interface ExportSummary extends ExportCounts {
  command: 'export';
  /** The file written, or null for stdout. */
  output: string | null;
  base_url: string;
  key_fingerprint: string;
  started_at: string;
  finished_at: string;
  /** Set when the scan stopped early because nothing further could be written. */
  ended_early: EarlyEnd;
  requests: { total: number; retries: number; rate_limited: number };
  /** Set when the export failed: no file was written. */
  stopped: { reason: 'aborted' | Interruption | 'write_failed'; message: string } | null;
  exit_code: number;
}

/** Runs an export end to end. Usage errors throw (exit 2, no request sent); everything else is in the summary. */
export async function runExport(opts: ExportOptions, env: ExportEnvironment): Promise<ExportSummary> {
  const now = env.now ?? (() => new Date());
  const startedAt = now();
  const sink: CsvSink = opts.file === null ? streamSink(env.stdout) : await openFileSink(opts.file);
  const client = createApiClient({
    baseUrl: opts.baseUrl,
    apiKey: opts.apiKey,
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
    rate: opts.rate,
  });
  const onSignal = (): void => client.abort();
  if (env.signal.aborted) onSignal();
  env.signal.addEventListener('abort', onSignal, { once: true });

  const counts: ExportCounts = { pages: 0, scanned: 0, written: 0 };
  let endedEarly: EarlyEnd = null;
  let stopped: ExportSummary['stopped'] = null;
  env.progress?.start({ rate: opts.rate, client });
  try {
    await sink.write((opts.bom ? BOM : '') + headerLine(opts.delimiter));
    const pages = scanPages(client, {
      signal: env.signal,
      onPageFailure: (message, n) => env.log.warn(`a page failed (${n} in a row), asking again: ${message}`),
    });
    for await (const page of pages) {
      counts.pages++;
      let chunk = '';
      for (const conversation of page) {
        counts.scanned++;
        if (pastLowerBound(conversation, opts.filters)) {
          endedEarly = 'created_after';
          break;
        }
        if (!matches(conversation, opts.filters)) continue;
        chunk += rowLine(conversation, opts.delimiter);
        counts.written++;
        if (opts.limit !== null && counts.written >= opts.limit) {
          endedEarly = 'limit';
          break;
        }
      }
      if (chunk !== '') await sink.write(chunk);
      env.progress?.update(counts);
      if (endedEarly !== null) break; // leaving the loop requests no further page
    }
    // Ctrl-C during the last page: the user asked to stop, so no file either.
    if (env.signal.aborted) throw new ScanStopped('interrupted', 'interrupted: the export was stopped; no file was written');
    await sink.commit();
  } catch (error) {
    await sink.discard().catch(() => undefined);
    if (error instanceof ScanStopped) {
      const why = error.reason === 'interrupted' ? interruptionOf(env.signal) : error.reason;
      stopped = { reason: why, message: why === 'hangup' ? `${INTERRUPTION_CAUSE.hangup}: no file was written` : error.message };
    } else {
      // A full disk, the temp file removed, a closed pipe: said plainly, never a stack trace (a bug is thrown on).
      const fault = writeFault(sink.target ?? 'stdout', error);
      const lost = sink.target === null ? 'the CSV on stdout is incomplete' : `${sink.target} was not written (its temp file is removed)`;
      stopped = { reason: 'write_failed', message: `${fault.message}: ${lost}` };
    }
  } finally {
    env.signal.removeEventListener('abort', onSignal);
    env.progress?.stop();
    client.close();
  }
  if (stopped !== null) {
    env.log.error(stopped.message);
    if (sink.target === null && stopped.reason !== 'write_failed') env.log.error('the CSV on stdout is incomplete');
  }
  const stats = client.stats;
  return {
    command: 'export',
    output: sink.target,
    base_url: opts.baseUrl,
    key_fingerprint: keyFingerprint(opts.apiKey),
    started_at: startedAt.toISOString(),
    finished_at: now().toISOString(),
    ...counts,
    ended_early: endedEarly,
    requests: { total: stats.total, retries: stats.retries, rate_limited: stats.rateLimited },
    stopped,
    exit_code: exportExitCode(stopped),
  };
}

/** Contract exit codes: a write error aborts (3) like a rejected key or a broken scan; 130 / 129 for signals. */
function exportExitCode(stopped: ExportSummary['stopped']): number {
  if (stopped === null) return 0;
  if (stopped.reason === 'interrupted' || stopped.reason === 'hangup') return INTERRUPTION_EXIT_CODE[stopped.reason];
  return 3;
}

/** One line for people: what was written, where, and at what cost. */
export function renderExportSummary(s: ExportSummary): string {
  const seconds = ((Date.parse(s.finished_at) - Date.parse(s.started_at)) / 1000).toFixed(1);
  const where = s.output ?? 'stdout';
  if (s.stopped !== null) {
    return `export stopped (exit ${s.exit_code}) after ${s.pages} pages, ${s.scanned} conversations read; ${s.output === null ? 'stdout is incomplete' : `${where} was not written`}\n`;
  }
  const early =
    s.ended_early === 'limit' ? ' (stopped at --limit)' : s.ended_early === 'created_after' ? ' (stopped at --created-after)' : '';
  return `exported ${s.written} rows of ${s.scanned} conversations read${early} to ${where} in ${seconds} s (${s.pages} pages, ${s.requests.total} requests)\n`;
}
