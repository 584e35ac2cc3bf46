/** The API's value rules (vorel-api.md §1) and spreadsheet cells', pure. */
import type { Conversation, ConversationPatch, WritableField } from './types.js';

/** 8-4-4-4-12 hex, no version/variant check (contract: Input). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Exact and case-sensitive (vorel-api.md §1): `en-us`, `EN`, `en_US` fail. */
export const LANGUAGE = /^[a-z]{2}(-[A-Z]{2})?$/;
export const MAX_NAME_CODE_POINTS = 200;

/** The API counts code points: an emoji is one, but two UTF-16 units. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection). */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** Trimmed, and one leading `'` dropped where it guards a formula character (as `export` writes it). */
export function cleanCell(raw: string): string {
  const trimmed = raw.trim();
  // Trimmed again: `'<TAB>x` must not send a leading tab (values are trimmed, contract: Input).
  return trimmed.startsWith("'") && FORMULA_START.test(trimmed.slice(1)) ? trimmed.slice(1).trim() : trimmed;
}

export function differingFields(patch: ConversationPatch, current: Pick<Conversation, WritableField>): WritableField[] {
  const fields = Object.keys(patch) as WritableField[];
  return fields.filter((f) => patch[f] !== current[f]);
}
