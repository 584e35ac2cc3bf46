/**
 * The clears guard (`--max-clears`, `--allow-clears`): a file whose column lost its values (a
 * formula gone, a filter left on, the wrong sheet) would clear that field on every row. Above the
 * limit the run is refused before its first PATCH. Pure: the run counts, this decides and words it.
 */
import { UsageError } from '../../errors.js';
import type { ClearsLimit, RunMode } from '../../options.js';
import type { ClearsGuardSummary } from '../../report/summary.js';
import { WRITABLE_FIELDS, type WritableField } from '../../types.js';

/** Lines shown in the guard's message, per field. */
export const FIRST_LINES_SHOWN = 5;

/** Rows that would clear each field, with the first lines that do. */
export interface ClearsCount {
  clears: Record<WritableField, number>;
  firstLines: Record<WritableField, number[]>;
}

export function emptyClearsCount(): ClearsCount {
  return { clears: { customer_name: 0, customer_language: 0 }, firstLines: { customer_name: [], customer_language: [] } };
}

/** Counts one row that clears `field` at `line`. */
export function addClear(count: ClearsCount, field: WritableField, line: number): void {
  count.clears[field]++;
  if (count.firstLines[field].length < FIRST_LINES_SHOWN) count.firstLines[field].push(line);
}

/** Parses `--max-clears <n|n%>` (the library also takes a number of rows as a number). */
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

/** More rows than the limit clear the field. Percentages compare exactly: 10% of 25 rows lets 2 through, not 3. */
export function exceedsLimit(limit: ClearsLimit, clears: number, dataRows: number): boolean {
  return limit.kind === 'rows' ? clears > limit.rows : clears * 100 > limit.percent * dataRows;
}

/** Decides on counted clears. */
export function decideClears(count: ClearsCount, dataRows: number, limit: ClearsLimit, allowed: boolean): ClearsGuardSummary {
  const overLimit = WRITABLE_FIELDS.filter((field) => exceedsLimit(limit, count.clears[field], dataRows));
  return { limit: formatLimit(limit), allowed, tripped: !allowed && overLimit.length > 0, over_limit: overLimit };
}

function share(n: number, of: number): string {
  if (of === 0) return '0%';
  const percent = (n / of) * 100;
  return `${percent < 1 && n > 0 ? percent.toFixed(1) : Math.round(percent)}%`;
}

function lineList(lines: readonly number[], total: number): string {
  return `line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}${total > lines.length ? ', …' : ''}`;
}

/**
 * What the guard says when it trips: per field the count, the share and the first lines, then
 * the ways on. `counted` says whether current values were compared (a field already empty is
 * not a clear there).
 */
export function guardMessage(decision: ClearsGuardSummary, count: ClearsCount, dataRows: number, mode: RunMode, compared: boolean): string {
  const where = compared ? ' where it is not already empty' : '';
  const fields = decision.over_limit.map((field) => {
    const n = count.clears[field];
    return `  ${field}: ${n} of ${dataRows} rows (${share(n, dataRows)}) would clear it${where}, ${lineList(count.firstLines[field], n)}`;
  });
  const head =
    mode === 'dry-run' || mode === 'plan'
      ? `the clears guard would refuse this file (more than --max-clears ${decision.limit} per field); a real run would send nothing:`
      : `the clears guard refused the run before any update: nothing was sent (more than --max-clears ${decision.limit} per field):`;
  const ways = [
    'If the clears are intended, run again with --allow-clears (or a higher --max-clears).',
    'To leave empty cells untouched instead of clearing, use --empty keep.',
    ...(compared ? [] : ['To send only real changes (a field already empty is no clear), use --only-changed (or --plan first).']),
  ];
  return [head, ...fields, ...ways].join('\n');
}

/** One warning line per field above the limit when `--allow-clears` lifted it. */
export function allowedLines(decision: ClearsGuardSummary, count: ClearsCount, dataRows: number): string[] {
  return decision.over_limit.map(
    (field) => `${count.clears[field]} of ${dataRows} rows (${share(count.clears[field], dataRows)}) clear ${field} (--allow-clears)`,
  );
}
