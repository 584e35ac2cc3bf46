/**
 * Pure request validation (vorel-api.md §1, §2). Where the notes are silent the emulator rejects:
 * a client that passes here will not be surprised by a stricter real API. The patterns are written
 * again from the notes on purpose, not imported from the client's validation: the emulator plays
 * the server, and must not inherit the client's mistakes.
 */
import { WRITABLE_FIELDS } from '../types.js';
import type { ConversationPatch, WritableField } from '../types.js';

/** 8-4-4-4-12 hex, no version/variant check; either case (looked up lower-cased). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ISO-639-1 or short BCP-47, case-sensitive: `en-us` fails (vorel-api.md §1 [CRE]). */
export const LANGUAGE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;
/** Max length of `customer_name`, in Unicode code points (vorel-api.md §1 [CRE]). */
export const MAX_NAME_CODE_POINTS = 200;
/** Max PATCH body size; the real limit is not documented (vorel-api.md §6), 64 KiB is generous. */
export const MAX_BODY_BYTES = 64 * 1024;
/** List page size bounds and default (vorel-api.md §2 [LIST]). */
export const LIST_LIMIT = { min: 1, max: 100, default: 25 } as const;

/** Fields a conversation has that PATCH cannot change (vorel-api.md §1). */
const READ_ONLY_FIELDS = new Set(['id', 'channel', 'customer_identifier', 'status', 'created_at', 'first_message_at', 'last_message_at']);

/** A validation result: the parsed value or a message for the 400 envelope. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** True for a UUID in 8-4-4-4-12 hex form. */
export function isUuid(s: string): boolean {
  return UUID_PATTERN.test(s);
}

/**
 * `application/json`, optionally with `charset=utf-8` (RFC 8259 §8.1: JSON is UTF-8). Media
 * types are case-insensitive (RFC 9110 §8.3.1). Any other type or charset is a 400.
 */
export function checkContentType(header: string | undefined): Checked<null> {
  if (header === undefined) return fail('Content-Type must be application/json');
  const [type, ...params] = header.split(';').map((p) => p.trim());
  if (type?.toLowerCase() !== 'application/json') return fail('Content-Type must be application/json');
  for (const p of params) {
    const m = /^charset=("?)utf-8\1$/i.exec(p);
    if (!m) return fail(`unsupported Content-Type parameter: ${p.slice(0, 50)}`);
  }
  return { ok: true, value: null };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Validates a PATCH body: a JSON object with one or both writable fields and nothing else. */
export function checkPatchBody(raw: Uint8Array): Checked<ConversationPatch> {
  let text: string;
  try {
    // fatal: invalid UTF-8 is rejected, not replaced; ignoreBOM keeps a BOM so JSON.parse fails
    // on it (RFC 8259 §8.1 forbids senders from adding one).
    text = utf8.decode(raw);
  } catch {
    return fail('request body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail('request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('request body must be a JSON object');
  }
  const record = body as Record<string, unknown>;
  const keys = Object.keys(record);
  for (const key of keys) {
    if (READ_ONLY_FIELDS.has(key)) {
      return fail(`field "${key}" is read-only; only customer_name and customer_language can be updated`);
    }
    if (!(WRITABLE_FIELDS as readonly string[]).includes(key)) {
      return fail(`unknown field "${key.slice(0, 100)}"; only customer_name and customer_language can be updated`);
    }
  }
  // "strict-partial": at least one updatable field [UPD].
  if (keys.length === 0) return fail('body must contain at least one of customer_name, customer_language');

  const patch: ConversationPatch = {};
  for (const field of keys as WritableField[]) {
    const value = record[field];
    const checked = field === 'customer_name' ? checkName(value) : checkLanguage(value);
    if (!checked.ok) return checked;
    patch[field] = checked.value;
  }
  return { ok: true, value: patch };
}

/** `customer_name`: null, or a non-empty trimmed string of at most 200 code points. */
export function checkName(value: unknown): Checked<string | null> {
  if (value === null) return { ok: true, value: null };
  if (typeof value !== 'string') return fail('customer_name must be a string or null');
  // The notes are silent on "" and on surrounding spaces: reject both rather than guess; null
  // is the documented way to clear.
  if (value === '') return fail('customer_name must not be empty; send null to clear it');
  if (/^\s|\s$/u.test(value)) return fail('customer_name must not start or end with whitespace');
  // NUL and lone surrogates cannot be stored as Postgres text / valid UTF-8.
  if (value.includes('\u0000')) return fail('customer_name must not contain NUL characters');
  // Other control characters: the notes are silent, so be strict; line breaks and tabs stay (names
  // pasted from multi-line cells carry them, and the real exports hold one).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: this check exists to find control characters
  if (/[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(value)) return fail('customer_name must not contain control characters');
  if (/\p{Cs}/u.test(value)) return fail('customer_name must be valid Unicode (lone surrogate)');
  const codePoints = [...value].length;
  if (codePoints > MAX_NAME_CODE_POINTS) {
    return fail(`customer_name is too long: ${codePoints} characters, max ${MAX_NAME_CODE_POINTS}`);
  }
  return { ok: true, value };
}

/** `customer_language`: null, or a string matching `^[a-z]{2}(-[A-Z]{2})?$` exactly. */
export function checkLanguage(value: unknown): Checked<string | null> {
  if (value === null) return { ok: true, value: null };
  if (typeof value !== 'string') return fail('customer_language must be a string or null');
  if (!LANGUAGE_PATTERN.test(value)) {
    return fail(`customer_language must match ^[a-z]{2}(-[A-Z]{2})?$ (got "${value.slice(0, 20)}")`);
  }
  return { ok: true, value };
}

/** List query: only `limit` (integer 1–100, no sign or leading zero) and `cursor` (UUID), once each. */
export function checkListQuery(params: URLSearchParams): Checked<{ limit: number; cursor: string | null }> {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (name !== 'limit' && name !== 'cursor') return fail(`unknown query parameter "${name.slice(0, 50)}"`);
    if (seen.has(name)) return fail(`query parameter "${name}" given more than once`);
    seen.add(name);
  }
  let limit: number = LIST_LIMIT.default;
  const rawLimit = params.get('limit');
  if (rawLimit !== null) {
    // Strict: the notes say "caps at 100" but out-of-range params are 400 elsewhere [LLIST].
    if (!/^[1-9][0-9]{0,2}$/.test(rawLimit) || Number(rawLimit) > LIST_LIMIT.max) {
      return fail(`limit must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`);
    }
    limit = Number(rawLimit);
  }
  const cursor = params.get('cursor');
  if (cursor !== null && !isUuid(cursor)) return fail('cursor must be a UUID taken from next_cursor');
  return { ok: true, value: { limit, cursor: cursor === null ? null : cursor.toLowerCase() } };
}
