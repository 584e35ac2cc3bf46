/** Option checks both commands share (usage errors, exit 2). */
import type { RateSetting } from './rate-pace.js';
import { UsageError } from './errors.js';

export function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min} (got ${value})`, 'bad_number');
  }
  return value;
}

export function rateSetting(value: string | number): RateSetting {
  if (String(value).trim().toLowerCase() === 'auto') return 'auto';
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--rate must be auto or a whole number of at least 1 (got ${value})`, 'bad_number');
  return n;
}
