/**
 * The Vorel HTTP client: axios + axios-retry, every attempt through the shared {@link RateLimiter}.
 *
 * How one request flows:
 *   1. request interceptor: `limiter.acquire()` (paced, pauses honoured, abortable), count it;
 *   2. axios sends it (per-attempt `timeout`, no redirects, no env proxy, keep-alive sockets);
 *   3. response interceptor: one {@link AttemptEvent} per attempt, 429 count, advisory headers;
 *   4. 5xx / timeout / network error: axios-retry re-enters axios (so step 1 runs again) after the
 *      backoff, while the `--retries` budget lasts;
 *   5. a 429 comes back as a response (validateStatus < 500): `send` pauses the whole run and
 *      re-sends through axios again, passing the retry count along so the budget is not reset
 *      and not used up (axios-retry alone cannot express "retry, but do not count it": its
 *      `retryCount < retries` check runs before our condition).
 * Nothing below ever throws for HTTP or network trouble: it becomes an `ok: false` result whose
 * message never holds the key (AxiosErrors carry `config.headers.Authorization`, so none escapes).
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import axios, { AxiosError } from 'axios';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import axiosRetry from 'axios-retry';
import type { z } from 'zod';
import type { Conversation, ConversationPatch } from '../types.js';
import { AbortedError, RateLimiter, systemClock } from './rate-limiter.js';
import type { Clock } from './rate-limiter.js';
import { redact } from './redact.js';
import { advisoryHoldUntil, isRetryable, parseRetryAfter, pauseAfter429Ms, retryDelayMs } from './retry-policy.js';
import type { BackoffOptions, Failure } from './retry-policy.js';
import {
  codeForStatus,
  codeOfFailure,
  conversationSchema,
  describeErrorBody,
  failureOf,
  headerBag,
  listPageSchema,
  oneLine,
} from './response.js';
import type { ApiErrorCode, ApiResult, ListPage } from './response.js';

export type { ApiErrorCode, ApiResult, ListPage } from './response.js';
export { conversationSchema, describeErrorBody, listPageSchema } from './response.js';

export type HttpMethod = 'GET' | 'PATCH';

/** One HTTP attempt as the report sees it (requests/min and 429s over time). Holds no secret. */
export interface AttemptEvent {
  method: HttpMethod;
  /** Path and query, e.g. `/api/v1/conversations/<id>`. */
  path: string;
  /** When the limiter let it start (clock ms). */
  startedAt: number;
  /** When its answer or failure arrived (clock ms). */
  endedAt: number;
  /** HTTP status, or null when no response arrived (timeout, network). */
  status: number | null;
  /** Set when the attempt did not succeed. */
  code?: ApiErrorCode;
}

export interface ApiClientOptions {
  /** Origin, e.g. `https://app.vorel.ai`; paths are `/api/v1/...`. */
  baseUrl: string;
  /** The secret. Kept in this closure and the axios instance only; never in a message. */
  apiKey: string;
  /** Per attempt, ms. */
  timeoutMs: number;
  /** Retries per request for 500/502/503/504, timeouts and network errors. */
  retries: number;
  /** Request starts per window. */
  rate: number;
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
  /** 429 answers one request takes before it ends `rate_limited`. Default 10. */
  maxPauses?: number;
  /** Default `vorel-csv-sync/<package version>`. */
  userAgent?: string;
  /** Keep-alive sockets per origin. Default 64. */
  maxSockets?: number;
}

/** Counters for summary.json `requests`. */
export interface ApiStats {
  /** Every HTTP attempt the server could have seen (retries and re-sends after 429 included). */
  total: number;
  /** Attempts beyond each request's first (re-sends after 429 included). */
  retries: number;
  /** 429 answers. */
  rateLimited: number;
}

export interface ApiClient {
  patchConversation(id: string, patch: ConversationPatch): Promise<ApiResult<Conversation>>;
  getConversation(id: string): Promise<ApiResult<Conversation>>;
  listConversations(params: { cursor?: string | null; limit: number }): Promise<ApiResult<ListPage>>;
  /** Stop: requests not yet started resolve at once with code 'aborted' (attempts 0); in-flight ones finish. */
  abort(): void;
  /** Extension: closes idle keep-alive sockets. Call once every request has settled. */
  close(): void;
  readonly stats: Readonly<ApiStats>;
  readonly limiter: RateLimiter;
}

/** 429 answers one request may meet before it ends `rate_limited` (cli-contract `--retries`). */
export const DEFAULT_MAX_PAUSES = 10;

/** Per-request bookkeeping, carried on the axios config (by reference: not a plain object). */
class RequestContext {
  attempts = 0;
  /** Retry budget used so far (axios-retry's retryCount). */
  retriesUsed = 0;
  attemptStartedAt = 0;
  lastStatus: number | null = null;
  lastMessage: string | null = null;
  constructor(
    readonly method: HttpMethod,
    readonly path: string,
  ) {}
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** vorel-csv-sync's per-request state (see client.ts). */
    vorelRequest?: RequestContext;
  }
}

/** The package version for the User-Agent, found by walking up to our package.json. */
function packageVersion(): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i += 1) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: unknown;
          version?: unknown;
        };
        if (pkg.name === 'vorel-csv-sync' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // not here; go up
      }
      dir = dirname(dir);
    }
  } catch {
    // import.meta.url not a file URL (bundled): fall through
  }
  return '0.0.0';
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const secret = opts.apiKey;
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const maxPauses = Math.max(1, opts.maxPauses ?? DEFAULT_MAX_PAUSES);
  const limiter = new RateLimiter({
    rate: opts.rate,
    clock,
    ...(opts.windowMs !== undefined ? { windowMs: opts.windowMs } : {}),
  });
  const stats: ApiStats = { total: 0, retries: 0, rateLimited: 0 };
  const stopper = new AbortController();
  // Every request waiting in the limiter or in a backoff listens on this one signal.
  setMaxListeners(0, stopper.signal);
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  /** Every message leaves through here. */
  const clean = (text: string): string => redact(text, secret);

  const instance = axios.create({
    baseURL: opts.baseUrl.replace(/\/+$/, ''),
    timeout: opts.timeoutMs,
    maxRedirects: 0, // a 3xx is a failure, never followed (a redirect could carry the key elsewhere)
    proxy: false, // never pick up HTTP(S)_PROXY from the environment
    httpAgent,
    httpsAgent,
    responseType: 'text',
    transformResponse: [(data: unknown) => data], // we parse and validate ourselves
    validateStatus: (status) => status < 500, // 5xx → rejected → axios-retry; 429 → `send`
    maxContentLength: 16 * 1024 * 1024,
    transitional: { clarifyTimeoutError: true, silentJSONParsing: false, forcedJSONParsing: false },
    headers: {
      Authorization: `Bearer ${secret}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': opts.userAgent ?? `vorel-csv-sync/${packageVersion()}`,
    },
  });

  const emit = (ctx: RequestContext, status: number | null, code?: ApiErrorCode): void => {
    if (!opts.onAttempt) return;
    const event: AttemptEvent = {
      method: ctx.method,
      path: ctx.path,
      startedAt: ctx.attemptStartedAt,
      endedAt: clock.now(),
      status,
    };
    if (code !== undefined) event.code = code;
    try {
      opts.onAttempt(event);
    } catch {
      // a reporting hook must not break the request
    }
  };

  const noteHeaders = (response: AxiosResponse | undefined): void => {
    const hold = advisoryHoldUntil(headerBag(response), clock.now());
    if (hold !== undefined) limiter.holdUntil(hold);
  };

  // Registered before axiosRetry, so on every attempt (axios-retry re-enters the whole chain)
  // the request side waits for the limiter and the response side sees the raw outcome first.
  instance.interceptors.request.use(async (config: InternalAxiosRequestConfig) => {
    const ctx = config.vorelRequest;
    if (ctx === undefined) return config;
    await limiter.acquire(stopper.signal); // throws AbortedError: no attempt is made
    ctx.attempts += 1;
    ctx.attemptStartedAt = clock.now();
    // axios' own `timeout` stops once the headers arrive; this deadline also covers a body that
    // drips in forever. It is the only signal our requests carry, so a cancel means a timeout.
    config.signal = AbortSignal.timeout(opts.timeoutMs);
    stats.total += 1;
    if (ctx.attempts > 1) stats.retries += 1;
    return config;
  });
  instance.interceptors.response.use(
    (response) => {
      const ctx = response.config.vorelRequest;
      if (ctx !== undefined) {
        const status = response.status;
        if (status === 429) stats.rateLimited += 1;
        noteHeaders(response);
        ctx.lastStatus = status;
        emit(ctx, status, status >= 200 && status < 300 ? undefined : codeForStatus(status));
      }
      return response;
    },
    (error: unknown) => {
      if (error instanceof AxiosError) {
        const ctx = error.config?.vorelRequest;
        if (ctx !== undefined) {
          const failure = failureOf(error);
          noteHeaders(error.response);
          ctx.lastStatus = error.response?.status ?? null;
          ctx.lastMessage = describeFailure(ctx, error, failure);
          emit(ctx, ctx.lastStatus, codeOfFailure(failure));
        }
      }
      return Promise.reject(error);
    },
  );

  axiosRetry(instance, {
    retries: Math.max(0, Math.floor(opts.retries)),
    shouldResetTimeout: true, // `timeout` is per attempt (cli-contract --timeout)
    retryCondition: (error) => isRetryable(failureOf(error)),
    // axios-retry would sleep with a bare setTimeout, on the wall clock, cancellable only through
    // config.signal (which would also cancel in-flight requests, and abort() must let those
    // finish). So it waits 0 ms and the backoff is slept in onRetry, on our clock, abortably.
    retryDelay: () => 0,
    onRetry: async (retryCount, error, config) => {
      const ctx = config.vorelRequest;
      if (ctx !== undefined) ctx.retriesUsed = retryCount;
      if (stopper.signal.aborted) throw new AbortedError();
      // A 503 that says when to come back (Retry-After) is not asked again sooner (RFC 9110 §10.2.3).
      const asked = parseRetryAfter(headerBag(error.response)['retry-after'], clock.now()) ?? 0;
      await clock.sleep(Math.max(asked, retryDelayMs(retryCount, opts.backoff ?? {}, random)), stopper.signal);
      if (stopper.signal.aborted) throw new AbortedError();
    },
  });

  function describeFailure(ctx: RequestContext, error: AxiosError, failure: Failure): string {
    const head = `${ctx.method} ${ctx.path}`;
    if (failure.kind === 'http') {
      if (/maxContentLength/i.test(error.message)) return `${head}: ${failure.status} unexpected_status: the answer is larger than 16 MiB`;
      const body = typeof error.response?.data === 'string' ? error.response.data : '';
      return httpMessage(head, failure.status, body);
    }
    if (failure.kind === 'timeout') return `${head}: timeout: no answer within ${opts.timeoutMs} ms`;
    const detail = failure.message ?? 'network error';
    return `${head}: network${failure.code ? ` ${failure.code}` : ''}: ${oneLine(detail)}`;
  }

  function httpMessage(head: string, status: number, body: string): string {
    const code = codeForStatus(status);
    const said = describeErrorBody(body, code);
    let text: string;
    if (status === 401) {
      text = `the API key was rejected: it is wrong, malformed or revoked${said ? ` (server: ${said})` : ''}`;
    } else if (status === 403) {
      text = `the API key lacks a needed scope (PATCH needs conversations:write, reads need read)${said ? `: ${said}` : ''}`;
    } else {
      text = said || '(empty body)';
    }
    return `${head}: ${status} ${code}: ${text}`;
  }

  function withAttempts(message: string, attempts: number): string {
    return clean(attempts > 1 ? `${message} (${attempts} attempts)` : message);
  }

  function fail<T>(ctx: RequestContext, status: number | null, code: ApiErrorCode, message: string): ApiResult<T> {
    return { ok: false, status, code, message: withAttempts(message, ctx.attempts), attempts: ctx.attempts };
  }

  async function send<T>(method: HttpMethod, path: string, body: string | undefined, schema: z.ZodType<T>): Promise<ApiResult<T>> {
    const ctx = new RequestContext(method, path);
    const head = `${method} ${path}`;
    let pauses = 0;
    for (;;) {
      if (stopper.signal.aborted && ctx.attempts === 0) {
        return fail(ctx, null, 'aborted', `${head}: aborted before it started`);
      }
      let response: AxiosResponse<unknown>;
      try {
        response = await instance.request<unknown>({
          method,
          url: path,
          ...(body !== undefined ? { data: body } : {}),
          vorelRequest: ctx,
          // Carry the budget across re-sends after a 429 (axios-retry reads it from the config).
          'axios-retry': { retryCount: ctx.retriesUsed },
        });
      } catch (error) {
        return fromError(ctx, error);
      }
      const status = response.status;
      const text = typeof response.data === 'string' ? response.data : '';
      if (status === 429) {
        pauses += 1;
        const now = clock.now();
        // The whole run waits: this request and every other (rate-limiter.ts).
        limiter.pauseUntil(now + pauseAfter429Ms(headerBag(response), now));
        if (pauses >= maxPauses) {
          return fail(ctx, 429, 'rate_limited', `${httpMessage(head, 429, text)}; still limited after ${pauses} pauses`);
        }
        continue;
      }
      if (status < 200 || status >= 300) {
        const location = status >= 300 && status < 400 ? response.headers.location : undefined;
        const extra = typeof location === 'string' ? ` (redirect to ${oneLine(location)}, not followed)` : '';
        return fail(ctx, status, codeForStatus(status), `${httpMessage(head, status, text)}${extra}`);
      }
      return parseBody(ctx, status, text, schema);
    }
  }

  function parseBody<T>(ctx: RequestContext, status: number, text: string, schema: z.ZodType<T>): ApiResult<T> {
    const head = `${ctx.method} ${ctx.path}: ${status} unexpected_status`;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail(ctx, status, 'unexpected_status', `${head}: body is not JSON: ${oneLine(text) || '(empty body)'}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
      return fail(ctx, status, 'unexpected_status', `${head}: unexpected body shape (${where}${issue?.message ?? 'invalid'})`);
    }
    return { ok: true, status, data: parsed.data, attempts: ctx.attempts };
  }

  function fromError<T>(ctx: RequestContext, error: unknown): ApiResult<T> {
    const head = `${ctx.method} ${ctx.path}`;
    if (error instanceof AbortedError) {
      if (ctx.attempts === 0) return fail(ctx, null, 'aborted', `${head}: aborted before it started`);
      const last = ctx.lastMessage ?? (ctx.lastStatus !== null ? `last status ${ctx.lastStatus}` : '');
      return fail(ctx, ctx.lastStatus, 'aborted', `${head}: aborted before the next attempt${last ? `; last: ${last}` : ''}`);
    }
    const failure = failureOf(error);
    const status = failure.kind === 'http' ? failure.status : null;
    // The response interceptor described the last attempt; an error that never reached axios's
    // adapter (a bug, a bad option) is described here, still without the config or headers.
    const message =
      error instanceof AxiosError && ctx.lastMessage !== null
        ? ctx.lastMessage
        : `${head}: ${failure.kind}: ${oneLine(failure.kind === 'network' ? (failure.message ?? 'error') : 'error')}`;
    return fail(ctx, status, codeOfFailure(failure), message);
  }

  const conversationPath = (id: string): string => `/api/v1/conversations/${encodeURIComponent(id)}`;

  return {
    patchConversation(id, patch) {
      // Exactly the writable fields, nothing else (vorel-api.md §1).
      const body: ConversationPatch = {};
      if (patch.customer_name !== undefined) body.customer_name = patch.customer_name;
      if (patch.customer_language !== undefined) body.customer_language = patch.customer_language;
      return send('PATCH', conversationPath(id), JSON.stringify(body), conversationSchema);
    },
    async getConversation(id) {
      const result = await send('GET', conversationPath(id), undefined, conversationSchema);
      if (result.ok && result.data.id.toLowerCase() !== id.toLowerCase()) {
        const message = clean(
          `GET ${conversationPath(id)}: ${result.status} unexpected_status: the body is conversation ${result.data.id}, not ${id}`,
        );
        return { ok: false, status: result.status, code: 'unexpected_status', message, attempts: result.attempts };
      }
      return result;
    },
    listConversations({ cursor, limit }) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor !== undefined && cursor !== null) query.set('cursor', cursor);
      return send('GET', `/api/v1/conversations?${query.toString()}`, undefined, listPageSchema);
    },
    abort() {
      stopper.abort();
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
    get stats() {
      return { ...stats };
    },
    limiter,
  };
}
