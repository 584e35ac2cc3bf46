import type { ApiClient } from '../api/client.js';
import { ListStopped, type ListPagesOptions, listPages } from '../api/list-pages.js';
import type { Conversation } from '../types.js';

/** A page that still fails after its retries is asked for again, up to this many times in a row; then the export stops (exit 3). */
const MAX_PAGE_FAILURES = 3;

/** Why a scan ended before the last page (exit-code.ts maps the reason). */
export class ScanStopped extends Error {
  constructor(
    readonly reason: 'aborted' | 'interrupted',
    message: string,
  ) {
    super(message);
    this.name = 'ScanStopped';
  }
}

type ScanOptions = Pick<ListPagesOptions, 'onPageFailure'> & { signal: AbortSignal };

/**
 * Yields each page's conversations in list order (newest first). Stop early by leaving the loop:
 * no further page is requested. Throws {@link ScanStopped}.
 */
export async function* scanPages(
  client: Pick<ApiClient, 'listConversations'>,
  opts: ScanOptions,
): AsyncGenerator<Conversation[], void, undefined> {
  try {
    for await (const page of listPages(client, {
      maxPageFailures: MAX_PAGE_FAILURES,
      signal: opts.signal,
      ...(opts.onPageFailure !== undefined ? { onPageFailure: opts.onPageFailure } : {}),
    })) {
      yield page.conversations;
    }
  } catch (error) {
    if (!(error instanceof ListStopped)) throw error;
    if (error.code === 'aborted' || opts.signal.aborted) throw interrupted();
    throw new ScanStopped('aborted', `stopped: ${error.message}`);
  }
}

/** The export was stopped from outside (Ctrl-C, the caller's signal). */
export function interrupted(): ScanStopped {
  return new ScanStopped('interrupted', 'interrupted: the export was stopped; no file was written');
}
