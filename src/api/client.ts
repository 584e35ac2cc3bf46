/** The three calls this tool makes, each one request loop through one shared limiter; trouble is a result, never thrown. */
import { setMaxListeners } from 'node:events';
import type { z } from 'zod';
import type { Conversation, ConversationPatch } from '../types.js';
import { type NetworkOptions, shownProxy } from '../network.js';
import { createHttp } from './http.js';
import { paceFor, paceText, type RatePace, type RateSetting } from '../rate-pace.js';
import { RateLimiter, systemClock } from './rate-limiter.js';
import { redact } from './redact.js';
import { conversationSchema } from '../conversation.js';
import { codeOfFailure, failureMessage, httpMessage, listPageSchema, oneLine } from './response.js';
import type { ApiErrorCode, ApiResult, ListPage, Route } from './response.js';
import { nextStep, pauseAfter429Ms, readRateHeaders } from './retry-policy.js';
import type { Failure, HeaderBag, RequestCounts, RetryLimits } from './retry-policy.js';

export type { ApiErrorCode, ApiResult, ListPage } from './response.js';

export interface ApiClientOptions {
  /** Origin, e.g. `https://app.vorel.ai`; paths are `/api/v1/...`. */
  baseUrl: string;
  apiKey: string;
  /** Per attempt. */
  timeoutMs: number;
  retries: number;
  rate: RateSetting;
  /** Tests scale it down. */
  windowMs?: number;
  /** Jitter source in [0, 1). */
  random?: () => number;
  onAttempt?: (e: AttemptEvent) => void;
  /** Tests use a small one. */
  backoffBaseMs?: number;
  /** Default: straight to the API, Node's trust. */
  network?: NetworkOptions;
}

type HttpMethod = 'GET' | 'PATCH';

/** One HTTP attempt, for the report's requests over time. Holds no secret. */
export interface AttemptEvent {
  method: HttpMethod;
  /** Path and query. */
  path: string;
  /** When the limiter let it start (clock ms). */
  startedAt: number;
  endedAt: number;
  /** Null when no response arrived. */
  status: number | null;
  /** Set when the attempt did not succeed. */
  code?: ApiErrorCode;
}

/** summary.json `requests`; `total` counts every attempt the server could have seen, `retries` those beyond each request's first. */
export interface ApiStats {
  total: number;
  retries: number;
  rateLimited: number;
}

interface RequestSpec<T> {
  method: HttpMethod;
  path: string;
  body?: string;
  schema: z.ZodType<T>;
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** 429 answers one request may meet before it ends `rate_limited` (docs/cli.md `--retries`). */
const MAX_PAUSES = 10;

export function createApiClient(opts: ApiClientOptions) {
  const clock = systemClock;
  const random = opts.random ?? Math.random;
  const stopper = new AbortController();
  const stop = stopper.signal;
  // Every request waiting in the limiter or in a backoff listens on this one signal.
  setMaxListeners(0, stop);
  const windowMs = opts.windowMs ?? 60_000;
  let pace = paceFor(opts.rate, undefined);
  // 250 ms of slack in 60 s covers the spread of delays to the API's counter: 50 ms still let 201
  // requests into one sliding minute now and then (bench/rate-auto.mjs).
  const limiter = new RateLimiter({ rate: pace.per_min, windowMs, clock, capSlackMs: windowMs / 240 });
  // Start time of the newest attempt whose answer was read: an older answer is older news.
  let newest = Number.NEGATIVE_INFINITY;
  const learn = (status: number, headers: HeaderBag, startedAt: number): void => {
    // A 5xx often comes from a gateway in front of the API's limiter and says nothing about it.
    if (startedAt < newest || status >= 500) return;
    newest = startedAt;
    const said = readRateHeaders(headers, clock.now());
    pace = paceFor(opts.rate, said.limit);
    limiter.setRate(pace.per_min);
    if (said.remaining !== undefined && said.resetAt !== undefined) limiter.setBudget(said.remaining, said.resetAt, said.limit);
  };
  const http = createHttp(opts);
  const stats: ApiStats = { total: 0, retries: 0, rateLimited: 0 };
  const limits: RetryLimits = { retries: Math.max(0, Math.floor(opts.retries)), maxPauses: MAX_PAUSES, backoffBaseMs: opts.backoffBaseMs };
  const clean = (text: string): string => redact(text, opts.apiKey);
  const route: Route = { host: new URL(opts.baseUrl).host, proxy: http.proxy === null ? null : shownProxy(http.proxy) };

  const emit = (spec: RequestSpec<unknown>, startedAt: number, status: number | null, code?: ApiErrorCode): void => {
    if (!opts.onAttempt) return;
    const event: AttemptEvent = { method: spec.method, path: spec.path, startedAt, endedAt: clock.now(), status, ...(code && { code }) };
    try {
      opts.onAttempt(event);
    } catch {
      // a reporting hook must not break the request
    }
  };

  /** A limiter slot → one attempt → the retry policy's verdict → the wait → again. */
  async function send<T>(spec: RequestSpec<T>): Promise<ApiResult<T>> {
    const head = `${spec.method} ${spec.path}`;
    const counts: RequestCounts = { retriesUsed: 0, pauses: 0 };
    let attempts = 0;
    let last: { status: number | null; message: string } | null = null;
    const fail = (status: number | null, code: ApiErrorCode, message: string): ApiResult<T> => ({
      ok: false,
      status,
      code,
      message: clean(attempts > 1 ? `${message} (${attempts} attempts)` : message),
      attempts,
    });
    const aborted = (): ApiResult<T> =>
      last === null
        ? fail(null, 'aborted', `${head}: aborted before it started`)
        : fail(last.status, 'aborted', `${head}: aborted before the next attempt; last: ${last.message}`);

    for (;;) {
      let startedAt: number;
      try {
        startedAt = await limiter.acquire(stop);
      } catch {
        return aborted();
      }
      attempts += 1;
      stats.total += 1;
      if (attempts > 1) stats.retries += 1;

      const attempt = await http.send(spec.method, spec.path, spec.body);
      const failure: Failure = attempt.kind === 'answer' ? { kind: 'http', status: attempt.status } : attempt.failure;
      const status = failure.kind === 'http' ? failure.status : null;
      limiter.release();
      if (status !== null) learn(status, attempt.headers, startedAt);
      if (attempt.kind === 'answer' && attempt.status >= 200 && attempt.status < 300) {
        emit(spec, startedAt, attempt.status);
        return parseBody(spec, attempt.status, attempt.text, attempts, fail);
      }
      const code = codeOfFailure(failure);
      emit(spec, startedAt, status, code);
      const message =
        attempt.kind === 'answer'
          ? httpMessage(head, attempt.status, attempt.text, route, attempt.headers.location)
          : failureMessage(head, failure, opts.timeoutMs, route);
      last = { status, message };

      // A 429 pauses every request of the run, this one included, whatever comes next.
      const now = clock.now();
      if (status === 429) {
        stats.rateLimited += 1;
        limiter.pauseUntil(now + pauseAfter429Ms(attempt.headers, now));
      }
      const step = nextStep(failure, attempt.headers, counts, limits, now, random);
      if (step.kind === 'stop') {
        const more = step.why === 'pauses_spent' ? `; still limited after ${counts.pauses + 1} pauses` : '';
        return fail(status, code, message + more);
      }
      // A 429 waits in the limiter with the rest of the run; a retry sleeps its backoff, cut short by abort().
      if (step.kind === 'resend') {
        counts.pauses += 1;
        continue;
      }
      counts.retriesUsed += 1;
      await clock.sleep(step.delayMs, stop);
      if (stop.aborted) return aborted();
    }
  }

  const conversationPath = (id: string): string => `/api/v1/conversations/${encodeURIComponent(id)}`;

  return {
    patchConversation(id: string, patch: ConversationPatch): Promise<ApiResult<Conversation>> {
      // Exactly the writable fields, nothing else (vorel-api.md §1); JSON drops those left undefined.
      const body = JSON.stringify({ customer_name: patch.customer_name, customer_language: patch.customer_language });
      return send({ method: 'PATCH', path: conversationPath(id), body, schema: conversationSchema });
    },
    async getConversation(id: string): Promise<ApiResult<Conversation>> {
      const path = conversationPath(id);
      const result = await send({ method: 'GET', path, schema: conversationSchema });
      if (result.ok && result.data.id.toLowerCase() !== id.toLowerCase()) {
        const message = clean(`GET ${path}: ${result.status} unexpected_status: the body is conversation ${result.data.id}, not ${id}`);
        return { ok: false, status: result.status, code: 'unexpected_status', message, attempts: result.attempts };
      }
      return result;
    },
    listConversations({ cursor, limit }: { cursor?: string | null; limit: number }): Promise<ApiResult<ListPage>> {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor !== undefined && cursor !== null) query.set('cursor', cursor);
      return send({ method: 'GET', path: `/api/v1/conversations?${query.toString()}`, schema: listPageSchema });
    },
    /** Requests not yet started resolve at once with code 'aborted' (attempts 0); in-flight ones finish. */
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
    /** It follows the API's rate headers under `--rate auto`. */
    get pace(): Readonly<RatePace> {
      return { ...pace };
    },
    get paceText(): string {
      // Before the first answer, no header was *missing*.
      return paceText(pace, newest !== Number.NEGATIVE_INFINITY);
    },
  };
}

function parseBody<T>(
  spec: RequestSpec<T>,
  status: number,
  text: string,
  attempts: number,
  fail: (status: number, code: ApiErrorCode, message: string) => ApiResult<T>,
): ApiResult<T> {
  const head = `${spec.method} ${spec.path}: ${status} unexpected_status`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(status, 'unexpected_status', `${head}: body is not JSON: ${oneLine(text) || '(empty body)'}`);
  }
  const parsed = spec.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    return fail(status, 'unexpected_status', `${head}: unexpected body shape (${where}${issue?.message ?? 'invalid'})`);
  }
  return { ok: true, status, data: parsed.data, attempts };
}
