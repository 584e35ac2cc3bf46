/** Reading answers: result types, schemas, failure classes, one-line messages. Pure; the client redacts them. */
import { AxiosError } from 'axios';
import { z } from 'zod';
import { conversationSchema } from '../conversation.js';
import type { Failure } from './retry-policy.js';

export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'unexpected_status'
  | 'proxy_auth'
  | 'certificate'
  | 'aborted';

export type ApiResult<T> =
  | { ok: true; status: number; data: T; attempts: number }
  | { ok: false; status: number | null; code: ApiErrorCode; message: string; attempts: number };

const MAX_QUOTED_CHARS = 300;

/** vorel-api.md §2: all three keys required. */
export const listPageSchema = z.object({
  data: z.array(conversationSchema),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
});
export type ListPage = z.infer<typeof listPageSchema>;

function codeForStatus(status: number): ApiErrorCode {
  if (status === 400 || status === 422) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 407) return 'proxy_auth';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'unexpected_status'; // 1xx/3xx (we never follow redirects), other 4xx
}

export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUOTED_CHARS ? `${flat.slice(0, MAX_QUOTED_CHARS)}…` : flat;
}

/** vorel-api.md §4 does not document the envelope: `{error:{code,message}}`, `{error:"..."}`, top-level, else raw text. */
function describeErrorBody(body: string, ourCode: string): string {
  const text = body.trim();
  let root: Record<string, unknown>;
  try {
    root = fieldsOf(JSON.parse(text));
  } catch {
    return oneLine(text);
  }
  const inError = typeof root.error === 'string' ? { message: root.error } : codeAndMessage(root.error);
  const { code, message } = inError.code === undefined && inError.message === undefined ? codeAndMessage(root) : inError;
  const parts = [code === ourCode ? undefined : code, message].filter((part) => part !== undefined);
  return oneLine(parts.length > 0 ? parts.join(': ') : text);
}

function fieldsOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function codeAndMessage(value: unknown): { code?: string | undefined; message?: string | undefined } {
  const { code, message } = fieldsOf(value);
  return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
}

/** An attempt without a usable answer; `status` when it failed while reading the answer's body. */
export function failureOf(error: unknown, ctx: { timedOut: boolean; status?: number }): Failure {
  if (ctx.timedOut) return { kind: 'timeout' };
  const code = errorCode(error);
  const { status } = ctx;
  if (status !== undefined) {
    // axios' maxContentLength: a server problem retrying will not fix.
    if (code === AxiosError.ERR_BAD_RESPONSE) return { kind: 'http', status, tooLarge: true };
    // A 2xx body cut off mid-stream: the connection failed; retry (re-sending is safe).
    if (status >= 200 && status < 300) {
      return { kind: 'network', code: 'ECONNRESET', message: `the ${status} answer was cut off mid-body (${messageOf(error)})` };
    }
    return { kind: 'http', status };
  }
  if (code === AxiosError.ETIMEDOUT || code === AxiosError.ECONNABORTED) return { kind: 'timeout' };
  if (code !== undefined && CERTIFICATE_CODE.test(code)) return { kind: 'certificate', code, message: messageOf(error) };
  return { kind: 'network', code, message: messageOf(error) };
}

/** OpenSSL's X509 verification codes (Node's tls docs list them) and Node's for a name the certificate lacks. */
const CERTIFICATE_CODE =
  /^(UNABLE_TO_|CERT_|ERROR_IN_CERT_)|SELF_SIGNED_CERT|^(INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH)$|ALTNAME_INVALID$/;

/** The socket's code (ECONNREFUSED, a TLS code) where there is one, else axios' own. */
function errorCode(error: unknown): string | undefined {
  const cause = error instanceof AxiosError ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string' && cause.code !== '') return cause.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function codeOfFailure(f: Failure): ApiErrorCode {
  if (f.kind === 'http') return codeForStatus(f.status);
  return f.kind;
}

/** As a message names it: the proxy without its password, or null when requests go straight. */
export interface Route {
  host: string;
  proxy: string | null;
}

/** A redirect could carry the key elsewhere: never followed, only named. */
export function httpMessage(head: string, status: number, body: string, route: Route, location?: unknown): string {
  const code = codeForStatus(status);
  const said = describeErrorBody(body, code);
  let text: string;
  if (status === 401) {
    text = `the API key was rejected: it is wrong, malformed or revoked${said ? ` (server: ${said})` : ''}`;
  } else if (status === 407) {
    // The proxy's own answer to CONNECT (https-proxy-agent hands it on as the response).
    const proxy = route.proxy === null ? 'a proxy between here and the API' : `the proxy ${route.proxy}`;
    text = `${proxy} refused authentication: check the user and password in --proxy or HTTPS_PROXY (percent-encoded)`;
  } else if (status === 403) {
    text = `the API key lacks a needed scope (PATCH needs conversations:write, reads need read)${said ? `: ${said}` : ''}`;
  } else {
    text = said || '(empty body)';
  }
  const redirect = status < 400 && typeof location === 'string' ? ` (redirect to ${oneLine(location)}, not followed)` : '';
  return `${head}: ${status} ${code}: ${text}${redirect}`;
}

export function failureMessage(head: string, failure: Failure, timeoutMs: number, route: Route): string {
  if (failure.kind === 'http') {
    if (failure.tooLarge) return `${head}: ${failure.status} unexpected_status: the answer is larger than 16 MiB`;
    return httpMessage(head, failure.status, '', route);
  }
  if (failure.kind === 'timeout') return `${head}: timeout: no answer within ${timeoutMs} ms`;
  if (failure.kind === 'certificate') {
    return (
      `${head}: certificate ${failure.code}: the certificate of ${route.host} does not verify (${oneLine(failure.message)}); ` +
      'if a company proxy or a private CA signs it, trust that CA with --ca-cert <file>'
    );
  }
  const detail = oneLine(failure.message ?? 'network error');
  const code = failure.code ? ` ${failure.code}` : '';
  if (route.proxy !== null && failure.code !== undefined && PROXY_CONNECT_CODES.has(failure.code)) {
    return `${head}: network${code}: cannot reach the proxy ${route.proxy} (${detail})`;
  }
  return `${head}: network${code}: ${detail}${route.proxy !== null ? ` (through the proxy ${route.proxy})` : ''}`;
}

/** Codes of a failed connect: with a proxy, the connection that failed is the one to the proxy. */
const PROXY_CONNECT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
