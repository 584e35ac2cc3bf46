/**
 * The one-line messages of failed requests (`[METHOD] path: status code: what the server said`).
 * Pure; the caller redacts the key before a message leaves the client.
 */
import { codeForStatus, describeErrorBody, oneLine } from './response.js';
import type { Failure } from './retry-policy.js';

/** Where requests go, as a message may name it: the API's host, and the proxy without its password. */
export interface Route {
  host: string;
  /** `http://user:***@host:port`, or null when requests go straight to the API. */
  proxy: string | null;
}

/** An HTTP answer that ends a request (or is the last one seen before an abort). */
export function httpMessage(head: string, status: number, body: string, route: Route): string {
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
  return `${head}: ${status} ${code}: ${text}`;
}

/** A 3xx is never followed (a redirect could carry the key elsewhere): say where it pointed. */
export function redirectNote(location: unknown): string {
  return typeof location === 'string' ? ` (redirect to ${oneLine(location)}, not followed)` : '';
}

/** An attempt that brought no usable answer: timeout, network, a body cut off or too large. */
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

/** The attempt count is part of a final message once there was more than one. */
export function withAttempts(message: string, attempts: number): string {
  return attempts > 1 ? `${message} (${attempts} attempts)` : message;
}
