/** Option checks both commands share (usage errors, exit 2). */
import type { RateSetting } from './rate-pace.js';
import { UsageError } from './errors.js';
import type { Delimiter } from './types.js';

/** `--delimiter` spellings. */
const DELIMITERS: Readonly<Record<string, Delimiter>> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  tab: '\t',
  '\t': '\t',
  '\\t': '\t',
};
/** A whole number of at least `min`, named by its flag in the message. */
export function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min} (got ${value})`, 'bad_number');
  }
  return value;
}

/** `export --delimiter`: `,` `;` or tab (also spelled `comma`, `semicolon`, `tab`, `\\t`). */
export function parseDelimiter(value: string): Delimiter {
  const delimiter = DELIMITERS[value.toLowerCase()];
  if (delimiter === undefined) throw new UsageError(`--delimiter ${JSON.stringify(value)}: use , ; or tab`, 'bad_delimiter');
  return delimiter;
}

/** `--rate <n|auto>`: `auto`, or a whole number of starts per minute of at least 1. */
export function rateSetting(value: string | number): RateSetting {
  if (String(value).trim().toLowerCase() === 'auto') return 'auto';
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--rate must be auto or a whole number of at least 1 (got ${value})`, 'bad_number');
  return n;
}
