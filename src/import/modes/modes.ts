/**
 * What each run mode does with a valid row, and what it adds to the summary. The plain import
 * PATCHes (row-handler.ts); `--plan`, `--only-changed` and `--match-by customer_identifier` first
 * read current values (current-values.ts), by the strategy `--read` picks, said on stderr with its cost.
 */
import { plannedPerWindow } from '../../api/rate-limiter.js';
import type { ApiClient } from '../../api/client.js';
import { LIST_PAGE_SIZE } from '../../api/list-pages.js';
import type { Logger } from '../../log.js';
import type { ImportOptions } from '../../options.js';
import type { RunSummary } from '../../report/summary.js';
import type { OutcomeKind } from '../../types.js';
import { chooseReadStrategy, readByGet, readFromIndex, type CurrentValues, type ReadChoice } from './current-values.js';
import { importHandler, type RowHandler } from './row-handler.js';
import { onlyChangedHandler, planHandler, resolvingImportHandler } from './read-first.js';
import type { FileScan } from '../first-pass/first-pass.js';
import { type PrefetchingValues, prefetching } from './pending.js';
import { scanTenant, TenantIndex } from './tenant-index.js';

/** A progress line every this many list pages (100 pages = 10,000 conversations). */
const SCAN_PROGRESS_EVERY_PAGES = 100;

export interface ModeContext {
  client: ApiClient;
  /** The first pass over the file: row count, duplicate ids. */
  scan: FileScan;
  log: Logger;
  /** Stops the run: the rows left end `not_attempted` (the tenant scan failed). */
  abort(message: string): void;
}

/** A mode, ready to handle rows. */
export interface PreparedMode {
  handler: RowHandler;
  /** Reads a row's current values ahead of its handling (the clears guard and the confirmation count with them); null when the mode reads nothing. */
  prefetch: PrefetchingValues['prefetch'] | null;
  /** Keys the mode adds to summary.json. */
  summary(totals: Readonly<Record<OutcomeKind, number>>): Pick<RunSummary, 'read' | 'plan'>;
}

/** Whether the mode reads current values before (or instead of) writing. */
export function readsFirst(opts: Pick<ImportOptions, 'mode' | 'matchBy'>): boolean {
  return opts.mode === 'plan' || opts.mode === 'only-changed' || opts.matchBy === 'customer_identifier';
}

/** Picks the handler for `opts.mode`; for the reading modes, reads (scans) first. Never throws for HTTP trouble. */
export async function prepareMode(opts: ImportOptions, ctx: ModeContext): Promise<PreparedMode> {
  const { client } = ctx;
  if (!readsFirst(opts)) return { handler: importHandler(client), prefetch: null, summary: () => ({}) };

  const choice = chooseReadStrategy({ read: opts.read, matchBy: opts.matchBy, stdin: opts.file === '-', rows: ctx.scan.rows });
  const opened = await openCurrentValues(opts, ctx, choice);
  // The reads the gate makes before the first PATCH are handed on to the rows: none is made twice.
  const current = prefetching(opened.current);
  const { scanned } = opened;
  const handler =
    opts.mode === 'plan'
      ? planHandler(current)
      : opts.mode === 'only-changed'
        ? onlyChangedHandler(client, current)
        : resolvingImportHandler(client, current);

  return {
    handler,
    prefetch: (target) => current.prefetch(target),
    summary: (totals) => {
      const read = { strategy: choice.strategy, reason: choice.reason, requests: current.requests, conversations_scanned: scanned };
      if (opts.mode !== 'plan') return { read };
      const requests = current.requests + totals.would_update;
      return {
        read,
        plan: {
          would_change: totals.would_update,
          patch_requests: totals.would_update,
          read_requests: current.requests,
          requests,
          // At the pace the run keeps by now (the rate headers' under --rate auto), as the pace line says.
          estimated_minutes: Math.ceil((requests / client.pace.per_min) * 10) / 10,
          rate: client.pace.per_min,
        },
      };
    },
  };
}

/** Says which strategy and what it costs, then opens it: nothing to do for GETs, the whole scan for a list. */
async function openCurrentValues(
  opts: ImportOptions,
  ctx: ModeContext,
  choice: ReadChoice,
): Promise<{ current: CurrentValues; scanned: number | null }> {
  const { client, log, scan } = ctx;
  if (choice.strategy === 'get') {
    if (scan.validRows > 0) log.info(`reading current values with one GET per row: ${scan.validRows} requests (${choice.reason})`);
    return { current: readByGet(client, scan.duplicateIds), scanned: null };
  }
  const index = new TenantIndex({ identifiers: opts.matchBy === 'customer_identifier' });
  if (scan.validRows === 0) return { current: readFromIndex(client, index, 0), scanned: 0 };
  const secondsPer10k = Math.round((10_000 / LIST_PAGE_SIZE) * (60 / plannedPerWindow(opts.rate)));
  log.info(
    `reading current values by scanning the tenant: one list request per ${LIST_PAGE_SIZE} conversations, ` +
      `~${secondsPer10k} s per 10,000 at --rate ${opts.rate} (${choice.reason})`,
  );
  const result = await scanTenant(client, index, (pages, conversations) => {
    if (pages % SCAN_PROGRESS_EVERY_PAGES === 0)
      log.info(`scanning the tenant: ${conversations} conversations so far (${pages} list requests)`);
  });
  if (result.ok) log.info(`scanned ${index.size} conversations with ${result.pages} list requests`);
  else ctx.abort(`reading current values failed after ${result.pages} list pages: ${result.message}`);
  return { current: readFromIndex(client, index, result.requests), scanned: index.size };
}
