/** The run's one API client, with what the report and `--verbose` learn from each HTTP attempt. */
import type { ApiClient, AttemptEvent } from '../api/client.js';
import type { Logger } from '../log.js';
import type { ImportOptions } from '../options.js';
import type { TimelineBucket } from '../report/html.js';

/** Fine enough for a short run's chart; report.html merges buckets of long runs (a day is 86,400 small entries). */
export const TIMELINE_BUCKET_SECONDS = 1;

export interface RunRequests {
  client: ApiClient;
  /** Requests and 429s per bucket, in time order, for report.html. */
  timeline(): TimelineBucket[];
}

/** Null when nothing is sent (a dry run). */
export async function openRequests(opts: ImportOptions, log: Logger, runStartMs: number): Promise<RunRequests | null> {
  if (opts.mode === 'dry-run' || opts.apiKey === null) return null;
  // Loaded only when a run talks to the API: axios and the response schemas weigh ~8 MB of heap a dry run does not need.
  const { createApiClient } = await import('../api/client.js');
  const buckets = new Map<number, TimelineBucket>();
  const client = createApiClient({
    baseUrl: opts.baseUrl,
    apiKey: opts.apiKey,
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
    rate: opts.rate,
    windowMs: opts.rateWindowMs,
    backoff: { baseMs: opts.backoffBaseMs },
    onAttempt: (event) => {
      recordAttempt(buckets, runStartMs, event);
      log.debug(attemptLine(event));
    },
  });
  return { client, timeline: () => [...buckets.values()].sort((a, b) => a.at - b.at) };
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
