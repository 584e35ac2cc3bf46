/** Every scan of the tenant (vorel-api.md §2); a server that would page forever ends the scan. */
import type { Conversation } from '../types.js';
import type { ApiClient, ApiErrorCode } from './client.js';
import { stopsTheRun } from '../exit-code.js';

/** Why a scan ended before its last page. */
export class ListStopped extends Error {
  constructor(
    readonly code: ApiErrorCode | 'bad_pagination',
    message: string,
    readonly pages: number,
    /** HTTP attempts, the failed ones included. */
    readonly requests: number,
  ) {
    super(message);
    this.name = 'ListStopped';
  }
}

/** The API's largest page (vorel-api.md §2). */
export const LIST_PAGE_SIZE = 100;

/** Failures the same request would meet again. */
const FINAL_CODES: ReadonlySet<ApiErrorCode> = new Set(['bad_request', 'not_found', 'unexpected_status']);

export interface ListPagesOptions {
  limit?: number;
  /** Tries of one page in a row (each after the client's own retries) before the scan stops. Default 1. */
  maxPageFailures?: number;
  /** Told about each page that failed and will be asked for again. */
  onPageFailure?: (message: string, failuresInARow: number) => void;
}

export interface ListedPage {
  conversations: Conversation[];
  /** 1 for the first page. */
  number: number;
  /** HTTP attempts so far, this page's included. */
  requests: number;
}

/** Pages newest first; leaving the loop requests no further page. Throws {@link ListStopped}. */
export async function* listPages(
  client: Pick<ApiClient, 'listConversations'>,
  opts: ListPagesOptions,
): AsyncGenerator<ListedPage, void, undefined> {
  const maxFailures = Math.max(1, opts.maxPageFailures ?? 1);
  let cursor: string | null = null;
  let pages = 0;
  let requests = 0;
  let failures = 0;
  let last: Conversation | null = null;
  const stop = (code: ApiErrorCode | 'bad_pagination', message: string): ListStopped => new ListStopped(code, message, pages, requests);
  for (;;) {
    const result = await client.listConversations({ cursor, limit: opts.limit ?? LIST_PAGE_SIZE });
    requests += result.attempts;
    if (!result.ok) {
      if (result.code === 'aborted' || FINAL_CODES.has(result.code) || stopsTheRun(result.code)) throw stop(result.code, result.message);
      failures++;
      if (failures >= maxFailures) {
        const message =
          failures === 1 ? result.message : `the same page failed ${failures} times in a row after its retries; last: ${result.message}`;
        throw stop(result.code, message);
      }
      opts.onPageFailure?.(result.message, failures);
      continue;
    }
    failures = 0;
    pages++;
    const page = result.data;
    // A page that goes back would make the scan loop; checking against the last one keeps memory constant.
    for (const c of page.data) {
      if (last !== null && !isOlder(c, last)) {
        throw stop('bad_pagination', `the API listed ${c.id} out of order (after ${last.id}); the scan would not end`);
      }
      last = c;
    }
    if (page.has_more && page.data.length === 0) {
      throw stop('bad_pagination', 'the API said has_more but sent an empty page; the scan would not end');
    }
    yield { conversations: page.data, number: pages, requests };
    if (!page.has_more) return;
    if (page.next_cursor === null || page.next_cursor === cursor) {
      throw stop('bad_pagination', `the API said has_more but gave ${page.next_cursor === null ? 'no' : 'the same'} next_cursor`);
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
