/** The API does not enforce E.164 (vorel-api.md §2 [CRE]): both sides are normalised the same way. */

const PHONE_SEPARATORS = /[\s\-\u2010-\u2015\u2212.()[\]/]/g;

/** A phone without `+` or `00` is kept as it is: its country cannot be guessed. */
export function normaliseIdentifier(raw: string): string {
  const text = raw.trim();
  if (text.includes('@')) return text.toLowerCase();
  const compact = text.replace(/\(0\)/g, '').replace(PHONE_SEPARATORS, '');
  return compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
}

export function normaliseChannel(raw: string): string {
  return raw.trim().toLowerCase();
}
