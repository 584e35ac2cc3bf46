/**
 * The one-line messages of failed requests (`[METHOD] path: status code: what the server said`).
 * Pure; the caller redacts the key before a message leaves the client.
 */
import { codeForStatus, describeErrorBody, oneLine } from './response.js';
import type { Failure } from './retry-policy.js';

/** An HTTP answer that ends a request (or is the last one seen before an abort). */
export function httpMessage(head: string, status: number, body: string): string {
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

/** A 3xx is never followed (a redirect could carry the key elsewhere): say where it pointed. */
export function redirectNote(location: unknown): string {
  return typeof location === 'string' ? ` (redirect to ${oneLine(location)}, not followed)` : '';
}

/** An attempt that brought no usable answer: timeout, network, a body cut off or too large. */
export function failureMessage(head: string, failure: Failure, timeoutMs: number): string {
  if (failure.kind === 'http') {
    if (failure.tooLarge) return `${head}: ${failure.status} unexpected_status: the answer is larger than 16 MiB`;
    return httpMessage(head, failure.status, '');
  }
  if (failure.kind === 'timeout') return `${head}: timeout: no answer within ${timeoutMs} ms`;
  const detail = failure.message ?? 'network error';
  return `${head}: network${failure.code ? ` ${failure.code}` : ''}: ${oneLine(detail)}`;
}

/** The attempt count is part of a final message once there was more than one. */
export function withAttempts(message: string, attempts: number): string {
  return attempts > 1 ? `${message} (${attempts} attempts)` : message;
}
