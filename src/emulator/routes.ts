/**
 * The API itself, as a pure function of (state, request) → response: no sockets, no timers, no
 * faults (server.ts adds those). Check order: auth (401) → per-key rate limit (429, "checked in
 * v1Handler after auth", vorel-api.md §5) → route (404/405) → scope (403) → params → body → row.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ConversationStore } from './state.js';
import type { FixedWindowLimiter } from './rate-limit.js';
import { keyFingerprint, parseAuthorization } from './keys.js';
import { checkContentType, checkListQuery, checkPatchBody, isUuid, MAX_BODY_BYTES } from './validate.js';

/** A fully read HTTP request. */
export interface ApiRequest {
  method: string;
  /** The raw request target, e.g. `/api/v1/conversations?limit=10`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body, cut at MAX_BODY_BYTES + 1 bytes. */
  body: Uint8Array;
  /** True when the body was longer than MAX_BODY_BYTES. */
  bodyTooLarge: boolean;
}

/** The response to send: a JSON body and extra headers. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** True when a PATCH changed (or rewrote) a conversation. */
  applied: boolean;
  /** Fingerprint of the presented key for the request log ('' when none was sent). */
  key: string;
}

/** What the handler reads: the table, the keys and their scopes, the limiter, ids set to fail. */
export interface ApiContext {
  store: ConversationStore;
  keys: ReadonlyMap<string, ReadonlySet<string>>;
  limiter: FixedWindowLimiter | null;
  failingIds: readonly string[];
}

/** Error codes of the envelope (vorel-api.md §4: `rate_limited`, `bad_request` are documented). */
export type ErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'rate_limited'
  | 'internal_error'
  | 'bad_gateway'
  | 'service_unavailable';

/** The error envelope body: `{"error":{"code","message"}}`. */
export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}

const LIST_PATH = '/api/v1/conversations';
const ITEM_PREFIX = `${LIST_PATH}/`;
/** Scopes per operation (vorel-api.md §3: GETs need `read`, PATCH needs `conversations:write`). */
const READ_SCOPE = 'read';
const WRITE_SCOPE = 'conversations:write';

/** Handles one request against the state. Never throws for bad input. */
export function handleApiRequest(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const auth = parseAuthorization(req.headers.authorization);
  const fingerprint = auth.kind === 'key' ? keyFingerprint(auth.key) : auth.kind === 'missing' ? '' : '(malformed)';
  const fail = (status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): ApiResponse => ({
    status,
    headers,
    body: errorBody(code, message),
    applied: false,
    key: fingerprint,
  });

  // RFC 6750 §3: a 401 to a bearer-protected resource carries WWW-Authenticate.
  const challenge = { 'www-authenticate': 'Bearer realm="vorel"' };
  if (auth.kind === 'missing') return fail(401, 'unauthorized', 'missing API key: send Authorization: Bearer <key>', challenge);
  if (auth.kind === 'malformed') return fail(401, 'unauthorized', 'malformed API key', challenge);
  const scopes = ctx.keys.get(auth.key);
  if (!scopes) return fail(401, 'unauthorized', 'unknown or revoked API key', challenge);

  // Requests refused with 401 never reach the limiter; everything after auth counts.
  let rateHeaders: Record<string, string> = {};
  if (ctx.limiter) {
    const decision = ctx.limiter.hit(auth.key);
    rateHeaders = decision.headers;
    if (!decision.allowed) return fail(429, 'rate_limited', 'rate limit exceeded for this API key', rateHeaders);
  }
  const respond = (status: number, body: unknown, applied = false): ApiResponse => ({
    status,
    headers: rateHeaders,
    body,
    applied,
    key: fingerprint,
  });
  const reject = (status: number, code: ErrorCode, message: string, extra: Record<string, string> = {}): ApiResponse =>
    fail(status, code, message, { ...rateHeaders, ...extra });

  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : req.url.slice(queryAt + 1));
  const needScope = (scope: string): ApiResponse | null =>
    scopes.has(scope) ? null : reject(403, 'forbidden', `API key lacks the required scope: ${scope}`);

  if (path === LIST_PATH) {
    if (req.method !== 'GET') return reject(405, 'method_not_allowed', `${req.method} is not allowed on ${LIST_PATH}`, { allow: 'GET' });
    const denied = needScope(READ_SCOPE);
    if (denied) return denied;
    const checked = checkListQuery(query);
    if (!checked.ok) return reject(400, 'bad_request', checked.message);
    const page = ctx.store.page(checked.value.limit, checked.value.cursor);
    if (!page) return reject(400, 'bad_request', 'cursor does not match a conversation; start again without a cursor');
    return respond(200, page);
  }

  const rawId = path.startsWith(ITEM_PREFIX) ? path.slice(ITEM_PREFIX.length) : null;
  if (rawId === null || rawId === '' || rawId.includes('/')) return reject(404, 'not_found', `no route for ${path.slice(0, 200)}`);
  if (req.method !== 'GET' && req.method !== 'PATCH') {
    return reject(405, 'method_not_allowed', `${req.method} is not allowed on ${LIST_PATH}/{id}`, { allow: 'GET, PATCH' });
  }
  const denied = needScope(req.method === 'GET' ? READ_SCOPE : WRITE_SCOPE);
  if (denied) return denied;
  const param = [...query.keys()][0];
  if (param !== undefined) return reject(400, 'bad_request', `unknown query parameter "${param.slice(0, 50)}"`);
  if (!isUuid(rawId)) return reject(400, 'bad_request', 'id must be a UUID (8-4-4-4-12 hex)');
  const id = rawId.toLowerCase();

  if (req.method === 'GET') {
    const found = ctx.store.get(id);
    // 404 covers both a missing row and another tenant's row [GET].
    return found ? respond(200, found) : reject(404, 'not_found', 'conversation not found');
  }

  // failingIds: a row the server cannot write, whatever the body (fault injection, faults.ts).
  if (ctx.failingIds.includes(id)) return reject(500, 'internal_error', 'internal error');
  if (req.bodyTooLarge) return reject(413, 'payload_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`);
  const type = checkContentType(req.headers['content-type']);
  if (!type.ok) return reject(400, 'bad_request', type.message);
  const body = checkPatchBody(req.body);
  if (!body.ok) return reject(400, 'bad_request', body.message);
  const updated = ctx.store.patch(id, body.value);
  return updated ? respond(200, updated, true) : reject(404, 'not_found', 'conversation not found');
}
