/**
 * How `--match-by customer_identifier` compares a CSV cell with a conversation's identifier. Pure.
 * The API does not enforce E.164 (vorel-api.md §2 [CRE]), so both sides are normalised the same way.
 */

/** Separators people type inside phone numbers: whitespace (NBSP too), dashes of every kind, dots, brackets, slashes. */
const PHONE_SEPARATORS = /[\s\-\u2010-\u2015\u2212.()[\]/]/g;

/**
 * The comparison key of a phone number or email:
 * - an email (anything with `@`): trimmed, lower-cased (`Anna@Example.COM` = `anna@example.com`);
 * - a phone: `(0)` trunk marks dropped (`+44 (0)20…` = `+4420…`), separators stripped, a leading
 *   `00` international prefix turned into `+` (`0044 7700 900123` = `+447700900123`). A number
 *   without `+` or `00` is kept as it is: its country cannot be guessed.
 */
export function normaliseIdentifier(raw: string): string {
  const text = raw.trim();
  if (text.includes('@')) return text.toLowerCase();
  const compact = text.replace(/\(0\)/g, '').replace(PHONE_SEPARATORS, '');
  return compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
}

/** Channel slugs compared trimmed and case-insensitively (`WhatsApp` = `whatsapp`). */
export function normaliseChannel(raw: string): string {
  return raw.trim().toLowerCase();
}
