/**
 * One request, start to end, as one loop: a limiter slot → one axios attempt → classify (the
 * pure retry policy) → wait (backoff; a 429 pauses the whole run in the limiter) → again.
 * Nothing here throws for HTTP or network trouble: every way out is an {@link ApiResult}.
 */
import type { z } from 'zod';
import type { Http } from './http.js';
import type { Clock, RateLimiter } from './rate-limiter.js';
import { codeOfFailure, failureMessage, httpMessage, oneLine, redirectNote } from './response.js';
import type { ApiErrorCode, ApiResult, Route } from './response.js';
import { nextStep, pauseAfter429Ms } from './retry-policy.js';
import type { Failure, HeaderBag, RequestCounts, RetryLimits } from './retry-policy.js';

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

/** Counters for summary.json `requests`. */
export interface ApiStats {
  /** Every HTTP attempt the server could have seen (retries and re-sends after 429 included). */
  total: number;
  /** Attempts beyond each request's first (re-sends after 429 included). */
  retries: number;
  /** 429 answers. */
  rateLimited: number;
}

/** One answer as the pace learns from it. */
export interface Answer {
  status: number;
  headers: HeaderBag;
  /** When its attempt started (clock ms). */
  startedAt: number;
}

/** What every request of one client shares. */
export interface RequestContext {
  http: Http;
  /** Paced starts, no start during a 429 pause or beyond the API's budget. */
  limiter: RateLimiter;
  /** What an answer's rate headers say, for the pace and the budget. */
  learn: (answer: Answer) => void;
  clock: Clock;
  random: () => number;
  /** The client's stop: no new attempt after it, waits end at once. */
  stop: AbortSignal;
  timeoutMs: number;
  limits: RetryLimits;
  stats: ApiStats;
  onAttempt: ((e: AttemptEvent) => void) | undefined;
  /** Removes the key from a message (every message leaves through it). */
  clean: (text: string) => string;
  /** The API's host and the proxy, as messages name them. */
  route: Route;
}

export interface RequestSpec<T> {
  method: HttpMethod;
  path: string;
  body?: string;
  schema: z.ZodType<T>;
}

export async function sendRequest<T>(ctx: RequestContext, spec: RequestSpec<T>): Promise<ApiResult<T>> {
  const head = `${spec.method} ${spec.path}`;
  const counts: RequestCounts = { retriesUsed: 0, pauses: 0 };
  let attempts = 0;
  let last: { status: number | null; message: string } | null = null;
  const fail = (status: number | null, code: ApiErrorCode, message: string): ApiResult<T> => ({
    ok: false,
    status,
    code,
    // The attempt count is part of a final message once there was more than one.
    message: ctx.clean(attempts > 1 ? `${message} (${attempts} attempts)` : message),
    attempts,
  });
  const aborted = (): ApiResult<T> =>
    last === null
      ? fail(null, 'aborted', `${head}: aborted before it started`)
      : fail(last.status, 'aborted', `${head}: aborted before the next attempt; last: ${last.message}`);

  for (;;) {
    // 1. A start from the limiter: paced, never during a 429 pause, within the API's budget.
    let startedAt: number;
    try {
      startedAt = await ctx.limiter.acquire(ctx.stop);
    } catch {
      return aborted();
    }
    attempts += 1;
    ctx.stats.total += 1;
    if (attempts > 1) ctx.stats.retries += 1;

    // 2. One attempt.
    const attempt = await ctx.http.send(spec.method, spec.path, spec.body);
    const failure: Failure = attempt.kind === 'answer' ? { kind: 'http', status: attempt.status } : attempt.failure;
    const status = failure.kind === 'http' ? failure.status : null;
    ctx.limiter.release();
    if (status !== null) ctx.learn({ status, headers: attempt.headers, startedAt });
    if (attempt.kind === 'answer' && attempt.status >= 200 && attempt.status < 300) {
      emit(ctx, spec, startedAt, attempt.status);
      return parseBody(spec, attempt.status, attempt.text, attempts, fail);
    }
    const code = codeOfFailure(failure);
    emit(ctx, spec, startedAt, status, code);
    const message =
      attempt.kind === 'answer'
        ? httpMessage(head, attempt.status, attempt.text, ctx.route) + (attempt.status < 400 ? redirectNote(attempt.headers.location) : '')
        : failureMessage(head, failure, ctx.timeoutMs, ctx.route);
    last = { status, message };

    // 3. Classify. A 429 pauses every request of the run, this one included, whatever comes next.
    const now = ctx.clock.now();
    if (status === 429) {
      ctx.stats.rateLimited += 1;
      ctx.limiter.pauseUntil(now + pauseAfter429Ms(attempt.headers, now));
    }
    const step = nextStep(failure, attempt.headers, counts, ctx.limits, now, ctx.random);
    if (step.kind === 'stop') {
      const more = step.why === 'pauses_spent' ? `; still limited after ${counts.pauses + 1} pauses` : '';
      return fail(status, code, message + more);
    }

    // 4. Wait: a 429 waits in the limiter (step 1) with the rest of the run and uses no retry;
    //    anything else uses one retry and sleeps its backoff here, cut short by abort().
    if (step.kind === 'resend') {
      counts.pauses += 1;
      continue;
    }
    counts.retriesUsed += 1;
    await ctx.clock.sleep(step.delayMs, ctx.stop);
    if (ctx.stop.aborted) return aborted();
  }
}

function emit<T>(ctx: RequestContext, spec: RequestSpec<T>, startedAt: number, status: number | null, code?: ApiErrorCode): void {
  if (!ctx.onAttempt) return;
  const event: AttemptEvent = { method: spec.method, path: spec.path, startedAt, endedAt: ctx.clock.now(), status };
  if (code !== undefined) event.code = code;
  try {
    ctx.onAttempt(event);
  } catch {
    // a reporting hook must not break the request
  }
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
