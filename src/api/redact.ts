/** Secret scrubbing for every string the API layer builds (docs/cli.md: the key is never printed). */

/** What a key is replaced with. */
export const REDACTED = 'vapk_…redacted';

/** Anything shaped like a Vorel key (vorel-api.md §3), even one that is not ours. */
const KEY_LIKE = /vapk_[a-z]+_[0-9a-f]{16,}/gi;

/**
 * Replaces every occurrence of `secret` (as it is, URL-encoded, or its part after the prefix in any
 * case) and anything shaped like a Vorel key with {@link REDACTED}. Belt and braces: messages are
 * built without the key in the first place; this catches what a server or a library might echo back.
 */
export function redact(text: string, secret: string): string {
  let out = text;
  const s = secret.trim();
  if (s !== '') {
    out = out.split(s).join(REDACTED);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(REDACTED);
    // After the public `vapk_<env>_` prefix comes the secret itself: a server (or a proxy) may
    // echo that part alone, in either case.
    const tail = s.slice(s.lastIndexOf('_') + 1);
    if (tail.length >= 16) out = out.replace(new RegExp(tail.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), REDACTED);
  }
  return out.replace(KEY_LIKE, REDACTED);
}
