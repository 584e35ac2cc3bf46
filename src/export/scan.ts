/**
 * The list scan (vorel-api.md §2): `GET /api/v1/conversations?limit=100`, following `next_cursor`,
 * one page at a time. The client paces and retries each request; this adds the breaker: 401/403
 * (and other answers a retry cannot fix) stop at once, a page that keeps failing stops after
 * MAX_PAGE_FAILURES tries in a row.
 */
import type { ApiClient } from '../api/client.js';
import type { ApiErrorCode } from '../api/response.js';
import type { Conversation } from '../types.js';
import { MAX_PAGE_FAILURES, PAGE_SIZE } from './options.js';

/** Why a scan ended before the last page. Exit codes follow docs/cli.md. */
export class ScanStopped extends Error {
  constructor(
    readonly reason: 'aborted' | 'interrupted',
    message: string,
  ) {
    super(message);
    this.name = 'ScanStopped';
  }

  get exitCode(): number {
    return this.reason === 'interrupted' ? 130 : 3;
  }
}

/** Failures the same request would meet again: no point asking twice. */
const FINAL_CODES: ReadonlySet<ApiErrorCode> = new Set(['unauthorized', 'forbidden', 'bad_request', 'not_found', 'unexpected_status']);

export interface ScanOptions {
  signal: AbortSignal;
  pageSize?: number;
  maxPageFailures?: number;
  /** Told about each page that failed and will be asked for again. */
  onPageFailure?: (message: string, failuresInARow: number) => void;
}

/**
 * Yields each page's conversations in list order (newest first). Stop early by leaving the loop:
 * no further page is requested. Throws {@link ScanStopped}.
 */
export async function* scanPages(
  client: Pick<ApiClient, 'listConversations'>,
  opts: ScanOptions,
): AsyncGenerator<Conversation[], void, undefined> {
  const limit = opts.pageSize ?? PAGE_SIZE;
  const maxFailures = Math.max(1, opts.maxPageFailures ?? MAX_PAGE_FAILURES);
  const interrupted = (): ScanStopped => new ScanStopped('interrupted', 'interrupted: the export was stopped; no file was written');
  let cursor: string | null = null;
  let failures = 0;
  let last: Conversation | null = null;
  for (;;) {
    if (opts.signal.aborted) throw interrupted();
    const result = await client.listConversations({ cursor, limit });
    if (!result.ok) {
      if (result.code === 'aborted' || opts.signal.aborted) throw interrupted();
      if (FINAL_CODES.has(result.code)) throw new ScanStopped('aborted', `stopped: ${result.message}`);
      failures++;
      if (failures >= maxFailures) {
        throw new ScanStopped(
          'aborted',
          `stopped: the same page failed ${failures} times in a row after its retries; last: ${result.message}`,
        );
      }
      opts.onPageFailure?.(result.message, failures);
      continue;
    }
    failures = 0;
    const page = result.data;
    // The list is sorted newest first (created_at DESC, id DESC): a server that goes back, or
    // promises more but gives nothing, would make us loop; checking the order keeps memory constant.
    for (const c of page.data) {
      if (last !== null && !isOlder(c, last)) {
        throw new ScanStopped('aborted', `stopped: the API listed ${c.id} out of order (after ${last.id}); the scan would not end`);
      }
      last = c;
    }
    if (page.has_more && page.data.length === 0) {
      throw new ScanStopped('aborted', 'stopped: the API said has_more but sent an empty page; the scan would not end');
    }
    yield page.data;
    if (!page.has_more) return;
    if (page.next_cursor === null || page.next_cursor === cursor) {
      throw new ScanStopped(
        'aborted',
        `stopped: the API said has_more but gave ${page.next_cursor === null ? 'no' : 'the same'} next_cursor`,
      );
    }
    cursor = page.next_cursor;
  }
}

/** `a` comes after `b` in the list order: created_at DESC, then id DESC (vorel-api.md §2). */
function isOlder(a: Conversation, b: Conversation): boolean {
  const at = Date.parse(a.created_at);
  const bt = Date.parse(b.created_at);
  // A created_at we cannot read cannot be ordered: then only a repeated id counts as going back.
  if (Number.isNaN(at) || Number.isNaN(bt)) return a.id !== b.id;
  return at < bt || (at === bt && a.id < b.id);
}
