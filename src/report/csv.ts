import { FORMULA_START } from '../values.js';

type Cell = string | number | null | undefined;

/** RFC 4180 quoting: only when the cell holds a quote, the delimiter, CR or LF. `null` is an empty cell. */
export function csvCell(value: Cell, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  const needsQuotes = text.includes('"') || text.includes(delimiter) || text.includes('\r') || text.includes('\n');
  return needsQuotes ? `"${text.replaceAll('"', '""')}"` : text;
}

/** For files people open in a spreadsheet: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` so it stays text. */
export function neutralise(value: Cell): Cell {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvLine(cells: readonly Cell[], opts: { neutralise: boolean; delimiter?: string }): string {
  const delimiter = opts.delimiter ?? ',';
  return `${cells.map((c) => csvCell(opts.neutralise ? neutralise(c) : c, delimiter)).join(delimiter)}\r\n`;
}
