/** Secret scrubbing for every string the API layer builds (docs/cli.md: the key is never printed). */

export const REDACTED = 'vapk_…redacted';

/** Anything shaped like a Vorel key (vorel-api.md §3), even one that is not ours. */
const KEY_LIKE = /vapk_[a-z]+_[0-9a-f]{16,}/gi;

/** Belt and braces: messages are built without the key; this catches what a server or library echoes back. */
export function redact(text: string, secret: string): string {
  let out = text;
  const s = secret.trim();
  if (s !== '') {
    out = out.split(s).join(REDACTED);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(REDACTED);
    // The part after the public `vapk_<env>_` prefix may be echoed alone, in either case.
    const tail = s.slice(s.lastIndexOf('_') + 1);
    if (tail.length >= 16) out = out.replace(new RegExp(tail.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), REDACTED);
  }
  return out.replace(KEY_LIKE, REDACTED);
}
