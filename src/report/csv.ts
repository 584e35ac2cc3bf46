/** CSV as UTF-8 bytes, the one home of quoting and formula neutralising; bytes, not strings, for speed (CONTRIBUTING.md). */

type Cell = string | number | null | undefined;

// Not exported: read per character, an exported binding measurably slowed the dry run.
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const EQUALS = 0x3d;
const AT = 0x40;
const APOSTROPHE = 0x27;

/** `String(n)` of any number takes 25 characters at most. */
export const NUMBER_CELL_BOUND = 32;

/** The most bytes `putCell` writes: 3 per UTF-16 unit, two quotes and a `'`. */
export function cellBound(text: string | null): number {
  return text === null ? 0 : 3 * text.length + 3;
}

/** RFC 4180 quoting when needed; `neutralise` puts a `'` before a FORMULA_START character. Returns the end. */
export function putCell(out: Uint8Array, at: number, text: string | null, neutralise: boolean, delimiter = COMMA): number {
  if (text === null || text === '') return at;
  const quoted = needsQuotes(text, delimiter);
  if (quoted) out[at++] = QUOTE;
  if (neutralise && startsFormula(text.charCodeAt(0))) out[at++] = APOSTROPHE;
  at = putText(out, at, text, quoted);
  if (quoted) out[at++] = QUOTE;
  return at;
}

/** As `String(n)` prints it; returns the end. */
export function putNumber(out: Uint8Array, at: number, n: number | null): number {
  if (n === null) return at;
  if (!Number.isSafeInteger(n) || n < 0) return putText(out, at, String(n), false);
  let digits = 1;
  for (let power = 10; power <= n; power *= 10) digits++;
  let rest = n;
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}

export function putByte(out: Uint8Array, at: number, byte: number): number {
  out[at] = byte;
  return at + 1;
}

/** UTF-8 as `Buffer.from(text)` makes it (a lone surrogate becomes U+FFFD); returns the end. */
function putText(out: Uint8Array, at: number, text: string, doubleQuotes: boolean): number {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out[at++] = c;
      if (c === QUOTE && doubleQuotes) out[at++] = QUOTE;
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
      out[at++] = 0x80 | (c & 0x3f);
    } else {
      const low = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        out[at++] = 0xf0 | (point >> 18);
        out[at++] = 0x80 | ((point >> 12) & 0x3f);
        out[at++] = 0x80 | ((point >> 6) & 0x3f);
        out[at++] = 0x80 | (point & 0x3f);
        i++;
      } else {
        out[at++] = 0xef;
        out[at++] = 0xbf;
        out[at++] = 0xbd;
      }
    }
  }
  return at;
}

function needsQuotes(text: string, delimiter: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === CR || c === LF || c === delimiter) return true;
  }
  return false;
}

/** FORMULA_START by code: a regex test per cell cost more than the cell. */
function startsFormula(c: number): boolean {
  return c === EQUALS || c === PLUS || c === MINUS || c === AT || c === TAB || c === CR;
}

/** One line of text, CRLF-terminated. */
export function csvLine(cells: readonly Cell[], opts: { neutralise: boolean; delimiter?: string }): string {
  const delimiter = (opts.delimiter ?? ',').charCodeAt(0);
  let bound = 2;
  for (const cell of cells) bound += 1 + (typeof cell === 'number' ? NUMBER_CELL_BOUND : cellBound(cell ?? null));
  const out = Buffer.allocUnsafe(bound);
  let at = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (i > 0) at = putByte(out, at, delimiter);
    at = typeof cell === 'number' ? putNumber(out, at, cell) : putCell(out, at, cell ?? null, opts.neutralise, delimiter);
  }
  return out.toString('utf8', 0, putByte(out, putByte(out, at, CR), LF));
}
