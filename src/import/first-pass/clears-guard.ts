/** The clears guard's count and limit (`--max-clears`); the gate decides and words it. */
import { UsageError } from '../../errors.js';
import type { ClearsLimit } from '../../options.js';
import type { WritableField } from '../../types.js';

const FIRST_LINES_SHOWN = 5;

export interface ClearsCount {
  clears: Record<WritableField, number>;
  firstLines: Record<WritableField, number[]>;
}

export function emptyClearsCount(): ClearsCount {
  return { clears: { customer_name: 0, customer_language: 0 }, firstLines: { customer_name: [], customer_language: [] } };
}

export function addClear(count: ClearsCount, field: WritableField, line: number): void {
  count.clears[field]++;
  if (count.firstLines[field].length < FIRST_LINES_SHOWN) count.firstLines[field].push(line);
}

/** `--max-clears <n|n%>`; the library also takes a number. */
export function parseMaxClears(value: number | string): ClearsLimit {
  const text = String(value);
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(trimmed);
  if (percent !== null) {
    const given = Number(percent[1]);
    if (given <= 100) return { kind: 'percent', percent: given };
  } else if (/^\d+$/.test(trimmed)) {
    return { kind: 'rows', rows: Number(trimmed) };
  }
  throw new UsageError(
    `--max-clears ${JSON.stringify(text)}: give a number of rows (e.g. 50) or a percentage of the data rows up to 100% (e.g. 10%)`,
    'bad_number',
  );
}

export function formatLimit(limit: ClearsLimit): string {
  return limit.kind === 'rows' ? String(limit.rows) : `${limit.percent}%`;
}
