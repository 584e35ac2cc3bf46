/** scan → filter → write, one page in memory at a time. */
import { ListStopped, listPages } from '../api/list-pages.js';
import type { RatePace } from '../rate-pace.js';
import { keyFingerprint } from '../credentials.js';
import { UsageError } from '../errors.js';
import { EXIT, INTERRUPTION_CAUSE, interruptionOf, type StopReason, stopExitCode } from '../exit-code.js';
import { SILENT_LOGGER } from '../log.js';
import type { ExportCsvOptions } from '../options.js';
import { type ExportProgress, paceOf, startProgress } from '../progress.js';
import { writeFault } from '../report/run-folder-writes.js';
import type { Conversation } from '../types.js';
import { matches, pastLowerBound } from './filter.js';
import { checkExportOptions, type ExportOptions } from './options.js';
import { isWorkbookName, openWorkbookSink } from './workbook-sink.js';
import { csvFileSink, csvStreamSink, type RowSink } from './write.js';

/** A page still failing after its retries is asked for again up to this many times in a row; then exit 3. */
const MAX_PAGE_FAILURES = 3;

type ExportCounts = Pick<ExportProgress, 'pages' | 'scanned' | 'written'>;

/** Why the scan ended before the last page with the output still complete. */
export type EarlyEnd = 'limit' | 'created_after' | null;

export interface ExportSummary extends ExportCounts {
  command: 'export';
  /** Null for stdout. */
  output: string | null;
  base_url: string;
  key_fingerprint: string;
  started_at: string;
  finished_at: string;
  ended_early: EarlyEnd;
  requests: { total: number; retries: number; rate_limited: number };
  rate: RatePace;
  /** The export failed: no file was written. */
  stopped: { reason: Exclude<StopReason, 'clears_guard' | 'declined'>; message: string } | null;
  exit_code: number;
}

/** Usage errors reject (exit 2, no request sent). */
export async function exportCsv(options: ExportCsvOptions): Promise<ExportSummary> {
  const { options: opts, warnings } = checkExportOptions(options);
  const log = options.logger ?? SILENT_LOGGER;
  for (const warning of warnings) log.warn(warning);
  let sink: RowSink;
  const csv = { delimiter: opts.delimiter, bom: opts.bom };
  if (opts.file !== null) sink = isWorkbookName(opts.file) ? await openWorkbookSink(opts.file) : await csvFileSink(opts.file, csv);
  else if (options.output !== undefined) sink = csvStreamSink(options.output, csv);
  else throw new UsageError('exportCsv needs a file or an output stream', 'bad_output');

  const startedAt = new Date();
  const { baseUrl, apiKey, timeoutMs, retries, rate, network } = opts;
  // Loaded on use: a dry run must not load the HTTP stack through this module.
  const { createApiClient } = await import('../api/client.js');
  const client = createApiClient({ baseUrl, apiKey, timeoutMs, retries, rate, network });
  const signal = options.signal ?? new AbortController().signal;
  const onSignal = (): void => client.abort();
  if (signal.aborted) onSignal();
  signal.addEventListener('abort', onSignal, { once: true });

  const counts: ExportCounts = { pages: 0, scanned: 0, written: 0 };
  let endedEarly: EarlyEnd = null;
  let stopped: ExportSummary['stopped'] = null;
  const progress = startProgress(options.onProgress, (done) => ({
    command: 'export',
    ...counts,
    ...paceOf(client, Date.now()),
    elapsedMs: Date.now() - startedAt.getTime(),
    done,
  }));
  try {
    await sink.header();
    const pages = listPages(client, {
      maxPageFailures: MAX_PAGE_FAILURES,
      onPageFailure: (message, n) => log.warn(`a page failed (${n} in a row), asking again: ${message}`),
    });
    for await (const page of pages) {
      counts.pages++;
      const { rows, ended } = filterPage(page.conversations, opts, counts);
      endedEarly = ended;
      await sink.rows(rows);
      if (endedEarly !== null) break; // leaving the loop requests no further page
    }
    // Ctrl-C during the last page: the user asked to stop, so no file either.
    if (signal.aborted) stopped = interruption(signal);
    else await sink.commit();
  } catch (error) {
    stopped = stopOf(error, sink.target, signal);
  } finally {
    signal.removeEventListener('abort', onSignal);
    progress.stop();
    client.close();
  }
  if (stopped !== null) {
    await sink.discard().catch(() => undefined);
    log.error(stopped.message);
    if (sink.target === null && stopped.reason !== 'write_failed') log.error('the CSV on stdout is incomplete');
  }
  const stats = client.stats;
  return {
    command: 'export',
    output: sink.target,
    base_url: opts.baseUrl,
    key_fingerprint: keyFingerprint(opts.apiKey),
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    ...counts,
    ended_early: endedEarly,
    requests: { total: stats.total, retries: stats.retries, rate_limited: stats.rateLimited },
    rate: client.pace,
    stopped,
    exit_code: stopped === null ? EXIT.ok : stopExitCode(stopped.reason),
  };
}

function filterPage(page: readonly Conversation[], opts: ExportOptions, counts: ExportCounts): { rows: Conversation[]; ended: EarlyEnd } {
  const rows: Conversation[] = [];
  for (const conversation of page) {
    counts.scanned++;
    if (pastLowerBound(conversation, opts.filters)) return { rows, ended: 'created_after' };
    if (!matches(conversation, opts.filters)) continue;
    rows.push(conversation);
    counts.written++;
    if (opts.limit !== null && counts.written >= opts.limit) return { rows, ended: 'limit' };
  }
  return { rows, ended: null };
}

function stopOf(error: unknown, target: string | null, signal: AbortSignal): NonNullable<ExportSummary['stopped']> {
  if (error instanceof ListStopped) {
    return error.code === 'aborted' || signal.aborted ? interruption(signal) : { reason: 'aborted', message: `stopped: ${error.message}` };
  }
  const fault = writeFault(target ?? 'stdout', error);
  const lost = target === null ? 'the CSV on stdout is incomplete' : `${target} was not written (its temp file is removed)`;
  return { reason: 'write_failed', message: `${fault.message}: ${lost}` };
}

function interruption(signal: AbortSignal): NonNullable<ExportSummary['stopped']> {
  const why = interruptionOf(signal);
  return {
    reason: why,
    message:
      why === 'hangup' ? `${INTERRUPTION_CAUSE.hangup}: no file was written` : 'interrupted: the export was stopped; no file was written',
  };
}

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
