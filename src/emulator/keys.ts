/** API keys and the Authorization header (vorel-api.md §3). */
import { randomBytes } from 'node:crypto';

/** The documented key shape; the emulator, like the real bearer middleware, rejects others as 401. */
export const KEY_PATTERN = /^vapk_[a-z]+_[0-9a-f]{48}$/;

/** A fresh key: `vapk_live_` + 48 hex from 24 random bytes, as [AUTH] describes (58 chars). */
export function newApiKey(): string {
  return `vapk_live_${randomBytes(24).toString('hex')}`;
}

/**
 * What the dashboard shows of a key (prefix + first 12 hex + `…` + last 4), safe to log.
 * Anything that is not a well-formed key is never echoed, not even in part.
 */
export function keyFingerprint(key: string): string {
  if (!KEY_PATTERN.test(key)) return '(malformed)';
  const hexStart = key.length - 48;
  return `${key.slice(0, hexStart + 12)}…${key.slice(-4)}`;
}

/** The outcome of reading an `Authorization` header. */
export type BearerToken = { kind: 'missing' } | { kind: 'malformed' } | { kind: 'key'; key: string };

/**
 * Reads `Authorization: Bearer <key>`. The scheme is case-insensitive (RFC 9110 §11.1); exactly one
 * space and a well-formed key are required, since the notes say malformed tokens are dropped
 * before the database lookup [AUTH].
 */
export function parseAuthorization(header: string | undefined): BearerToken {
  if (header === undefined || header === '') return { kind: 'missing' };
  const m = /^bearer ([^ ]+)$/i.exec(header);
  if (!m?.[1] || !KEY_PATTERN.test(m[1])) return { kind: 'malformed' };
  return { kind: 'key', key: m[1] };
}
