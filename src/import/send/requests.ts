/** The run's one API client, with what the report and `--verbose` learn from each HTTP attempt. */
import type { ApiClient, AttemptEvent } from '../../api/client.js';
import type { Logger } from '../../log.js';
import type { ImportOptions } from '../../options.js';
import { paceFor, type RatePace } from '../../rate-pace.js';
import type { TimelineBucket } from '../../report/html.js';
import type { JournalRequests } from '../journal/journal-records.js';

/** Fine enough for a short run's chart; report.html merges buckets of long runs (a day is 86,400 small entries). */
export const TIMELINE_BUCKET_SECONDS = 1;

/** How often the buckets filled are journaled while rows settle. */
const JOURNAL_EVERY_MS = 1000;

export interface RunRequests {
  /** Null for a dry run, which sends nothing. */
  client: ApiClient | null;
  /** The pace in force; a dry run's is the one `--rate` would keep. */
  pace(): RatePace;
  /** The buckets filled since the last call (none when that was under a second ago, unless `now`). */
  takeRecords(now?: boolean): JournalRequests[];
  totals(): JournalRequests['totals'];
}

export async function openRequests(opts: ImportOptions, log: Logger, runStartMs: number): Promise<RunRequests> {
  if (opts.apiKey !== null) return clientRequests({ ...opts, apiKey: opts.apiKey }, log, runStartMs);
  const pace = paceFor(opts.rate, undefined);
  const none: JournalRequests[] = [];
  return { client: null, pace: () => pace, takeRecords: () => none, totals: () => ({ total: 0, retries: 0, rate_limited: 0 }) };
}

async function clientRequests(opts: ImportOptions & { apiKey: string }, log: Logger, runStartMs: number): Promise<RunRequests> {
  // Loaded only when a run talks to the API: axios and the response schemas weigh ~8 MB of heap a dry run does not need.
  const { createApiClient } = await import('../../api/client.js');
  const buckets = new Map<number, TimelineBucket>();
  const client = createApiClient({
    baseUrl: opts.baseUrl,
    apiKey: opts.apiKey,
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
    rate: opts.rate,
    windowMs: opts.rateWindowMs,
    backoffBaseMs: opts.backoffBaseMs,
    network: opts.network,
    onAttempt: (event) => {
      recordAttempt(buckets, runStartMs, event);
      log.debug(attemptLine(event));
    },
  });
  const totals = (): JournalRequests['totals'] => {
    const { total, retries, rateLimited } = client.stats;
    return { total, retries, rate_limited: rateLimited };
  };
  let lastTaken = Date.now();
  const takeRecords = (now = false): JournalRequests[] => {
    if (buckets.size === 0 || (!now && Date.now() - lastTaken < JOURNAL_EVERY_MS)) return [];
    lastTaken = Date.now();
    const soFar = totals();
    const records = [...buckets.values()].map(
      (b): JournalRequests => ({
        type: 'requests',
        at: b.at,
        requests: b.requests,
        rate_limited: b.rateLimited,
        totals: soFar,
        rate: { ...client.pace },
      }),
    );
    buckets.clear();
    return records;
  };
  return { client, pace: () => client.pace, takeRecords, totals };
}

function recordAttempt(timeline: Map<number, TimelineBucket>, runStartMs: number, event: AttemptEvent): void {
  const at = Math.max(0, Math.floor((event.startedAt - runStartMs) / 1000 / TIMELINE_BUCKET_SECONDS) * TIMELINE_BUCKET_SECONDS);
  const bucket = timeline.get(at) ?? { at, requests: 0, rateLimited: 0 };
  bucket.requests++;
  if (event.status === 429) bucket.rateLimited++;
  timeline.set(at, bucket);
}

/** `--verbose`: one line per HTTP attempt. AttemptEvents hold no secret (client.ts). */
function attemptLine(event: AttemptEvent): string {
  const answer = event.status === null ? (event.code ?? 'no answer') : `${event.status}${event.code ? ` ${event.code}` : ''}`;
  return `${event.method} ${event.path} → ${answer} (${Math.round(event.endedAt - event.startedAt)} ms)`;
}
