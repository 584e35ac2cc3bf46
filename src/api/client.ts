/**
 * The Vorel HTTP client: the three calls this tool makes, each one {@link sendRequest} loop
 * (request.ts) through one shared limiter. Nothing here throws for HTTP or network trouble: it
 * becomes an `ok: false` result whose message never holds the key.
 */
import { setMaxListeners } from 'node:events';
import type { Conversation, ConversationPatch } from '../types.js';
import { type NetworkOptions, shownProxy } from '../network.js';
import { createHttp } from './http.js';
import { paceText } from '../rate-pace.js';
import type { RatePace, RateSetting } from '../rate-pace.js';
import { paceFor, RateLimiter, systemClock } from './rate-limiter.js';
import type { Clock } from './rate-limiter.js';
import { redact } from './redact.js';
import { sendRequest } from './request.js';
import type { Answer, ApiStats, AttemptEvent, RequestContext } from './request.js';
import { conversationSchema } from '../conversation.js';
import { listPageSchema } from './response.js';
import type { ApiResult, ListPage } from './response.js';
import { readRateHeaders } from './retry-policy.js';
import type { BackoffOptions } from './retry-policy.js';

export type { AttemptEvent } from './request.js';
export type { ApiErrorCode, ApiResult, ListPage } from './response.js';

export interface ApiClientOptions {
  /** Origin, e.g. `https://app.vorel.ai`; paths are `/api/v1/...`. */
  baseUrl: string;
  /** The secret. Kept in the axios instance only; never in a message. */
  apiKey: string;
  /** Per attempt, ms. */
  timeoutMs: number;
  /** Retries per request for 500/502/503/504, timeouts and network errors. */
  retries: number;
  /** `--rate`: request starts per window at most, or `auto` (follow the API's rate headers). */
  rate: RateSetting;
  /** Rate window, ms. Default 60 000. */
  windowMs?: number;
  /** Time source for pacing, backoff and event times. Default: wall clock. */
  clock?: Clock;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** One event per HTTP attempt. */
  onAttempt?: (e: AttemptEvent) => void;
  /** Backoff shape (default 500 ms base, 30 s cap, factor 2). Extension: tests use a small base. */
  backoff?: Partial<BackoffOptions>;
  /** The proxy and extra trust (`--proxy`, `NO_PROXY`, `--ca-cert`); default straight, Node's trust. */
  network?: NetworkOptions;
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** 429 answers one request may meet before it ends `rate_limited` (docs/cli.md `--retries`). */
const MAX_PAUSES = 10;

export function createApiClient(opts: ApiClientOptions) {
  const clock = opts.clock ?? systemClock;
  const stopper = new AbortController();
  // Every request waiting in the limiter or in a backoff listens on this one signal.
  setMaxListeners(0, stopper.signal);
  const windowMs = opts.windowMs ?? 60_000;
  let pace = paceFor(opts.rate, undefined);
  // Slack on the sliding window (250 ms of 60 s: 0.4% of the budget) covers the spread of delays
  // and event-loop stalls between our start and the API's counter: measured at the server, 50 ms
  // still let 201 requests into one sliding minute now and then (bench/rate-auto.mjs).
  const limiter = new RateLimiter({ rate: pace.per_min, windowMs, clock, capSlackMs: windowMs / 240 });
  // Start time of the newest attempt whose answer was read: an older answer is older news.
  let newest = Number.NEGATIVE_INFINITY;
  // The pace follows X-RateLimit-Limit, and no start goes beyond what X-RateLimit-Remaining leaves.
  const learn = (answer: Answer): void => {
    // A 5xx often comes from a gateway in front of the API's limiter and says nothing about it.
    if (answer.startedAt < newest || answer.status >= 500) return;
    newest = answer.startedAt;
    const said = readRateHeaders(answer.headers, clock.now());
    const next = paceFor(opts.rate, said.limit);
    if (next.per_min !== pace.per_min || next.source !== pace.source) {
      pace = next;
      limiter.setRate(next.per_min);
    }
    if (said.remaining !== undefined && said.resetAt !== undefined) limiter.setBudget(said.remaining, said.resetAt, said.limit);
  };
  const http = createHttp(opts);
  const stats: ApiStats = { total: 0, retries: 0, rateLimited: 0 };
  const ctx: RequestContext = {
    http,
    limiter,
    learn,
    clock,
    random: opts.random ?? Math.random,
    stop: stopper.signal,
    timeoutMs: opts.timeoutMs,
    limits: {
      retries: Math.max(0, Math.floor(opts.retries)),
      maxPauses: MAX_PAUSES,
      ...(opts.backoff !== undefined ? { backoff: opts.backoff } : {}),
    },
    stats,
    onAttempt: opts.onAttempt,
    clean: (text) => redact(text, opts.apiKey),
    route: { host: new URL(opts.baseUrl).host, proxy: http.proxy === null ? null : shownProxy(http.proxy) },
  };
  const conversationPath = (id: string): string => `/api/v1/conversations/${encodeURIComponent(id)}`;

  return {
    patchConversation(id: string, patch: ConversationPatch): Promise<ApiResult<Conversation>> {
      // Exactly the writable fields, nothing else (vorel-api.md §1).
      const body: ConversationPatch = {};
      if (patch.customer_name !== undefined) body.customer_name = patch.customer_name;
      if (patch.customer_language !== undefined) body.customer_language = patch.customer_language;
      return sendRequest(ctx, { method: 'PATCH', path: conversationPath(id), body: JSON.stringify(body), schema: conversationSchema });
    },
    async getConversation(id: string): Promise<ApiResult<Conversation>> {
      const path = conversationPath(id);
      const result = await sendRequest(ctx, { method: 'GET', path, schema: conversationSchema });
      if (result.ok && result.data.id.toLowerCase() !== id.toLowerCase()) {
        const message = ctx.clean(`GET ${path}: ${result.status} unexpected_status: the body is conversation ${result.data.id}, not ${id}`);
        return { ok: false, status: result.status, code: 'unexpected_status', message, attempts: result.attempts };
      }
      return result;
    },
    listConversations({ cursor, limit }: { cursor?: string | null; limit: number }): Promise<ApiResult<ListPage>> {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor !== undefined && cursor !== null) query.set('cursor', cursor);
      return sendRequest(ctx, { method: 'GET', path: `/api/v1/conversations?${query.toString()}`, schema: listPageSchema });
    },
    /** Stop: requests not yet started resolve at once with code 'aborted' (attempts 0); in-flight ones finish. */
    abort(): void {
      stopper.abort();
    },
    /** Closes idle keep-alive sockets. Call once every request has settled. */
    close(): void {
      http.close();
    },
    get stats(): Readonly<ApiStats> {
      return { ...stats };
    },
    limiter,
    /** The pace in force now (summary.json `rate`): it follows the API's rate headers under `--rate auto`. */
    get pace(): Readonly<RatePace> {
      return { ...pace };
    },
    /** The pace in one line, e.g. "auto: 200/min from the API's rate headers". */
    get paceText(): string {
      // Before the first answer, no header was *missing*.
      return paceText(pace, newest !== Number.NEGATIVE_INFINITY);
    },
  };
}
