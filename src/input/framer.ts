import type { Delimiter, SourceRecord } from '../types.js';

/**
 * A pure RFC 4180 record framer over decoded text chunks (no I/O).
 *
 * Why our own and not csv-parse: we need the physical line where each record starts, a size
 * limit that does not lose the rows after an oversized field, and an unclosed quote reported at
 * the line where it opened (src/input/README.md). csv-parse stays our test oracle.
 *
 * Lenient where RFC 4180 is silent, and never drops a row:
 * - a `"` inside an unquoted field (`ab"c`) is kept literally (like csv-parse `relax_quotes`);
 * - text after a closing quote and before the delimiter (`"ab"c`) is appended literally (`abc`);
 * - record delimiters are LF, CRLF or a lone CR; CRLF counts as one line break, inside quotes too.
 */

export interface FramerOptions {
  delimiter: Delimiter;
  /** A field longer than this (UTF-16 code units) makes the record `field_too_large`. */
  maxFieldChars: number;
  /** A record longer than this in total is `field_too_large` too: keeps memory bounded for one huge row of small cells. */
  maxRecordChars: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** At the start of a field: a `"` here opens a quoted field. */
const FIELD_START = 0;
/** In an unquoted field, or after a closing quote (any `"` is literal). */
const UNQUOTED = 1;
const QUOTED = 2;
/** Just saw a `"` inside a quoted field: `""` is a literal quote, otherwise the quote closed. */
const QUOTE_IN_QUOTED = 3;
type State = typeof FIELD_START | typeof UNQUOTED | typeof QUOTED | typeof QUOTE_IN_QUOTED;

/** Any replacement character (invalid bytes), NUL, or a lone UTF-16 surrogate (a broken UTF-16 file). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL in decoded text marks a binary or mis-decoded file
const BAD_TEXT = /[\uFFFD\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class RecordFramer {
  private readonly delimiter: number;
  /**
   * The second UTF-16 unit of a delimiter outside the Basic Multilingual Plane (an emoji), else -1.
   * Such a delimiter matches only as a whole pair, and a chunk never ends between its two halves.
   */
  private readonly delimiterLow: number;
  /** A high surrogate held back from the end of the last chunk, for a two-unit delimiter. */
  private carry = '';
  private state: State = FIELD_START;
  /** Physical line of the next character (1-based). */
  private line = 1;
  /** The previous character was a CR: a following LF belongs to the same line break. */
  private afterCR = false;
  /** The previous character ended a line (so at EOF the last line is `line - 1`). */
  private atLineStart = true;

  // The record being built.
  private recordLine = 1;
  /** Physical line of the quote that opened the current quoted field. */
  private quoteLine = 1;
  private inRecord = false;
  /** The current record holds a character that may be bad text. */
  private recordDirty = false;
  private cells: string[] = [];
  private field = '';
  private recordChars = 0;
  /** Set once a field or the record went over its limit: from then on nothing is buffered. */
  private tooLarge = false;
  /** Whether the discarded part of an oversized record held anything but whitespace. */
  private discardedContent = false;
  private out: SourceRecord[] = [];

  constructor(private readonly opts: FramerOptions) {
    this.delimiter = opts.delimiter.charCodeAt(0);
    this.delimiterLow = opts.delimiter.length === 2 ? opts.delimiter.charCodeAt(1) : -1;
  }

  /** Feeds the next chunk of text; returns the records it completed. */
  push(chunk: string): SourceRecord[] {
    if (this.delimiterLow < 0) return this.frame(chunk);
    const text = this.carry + chunk;
    const split = text.length > 0 && text.charCodeAt(text.length - 1) === this.delimiter;
    this.carry = split ? text.slice(-1) : '';
    return this.frame(split ? text.slice(0, -1) : text);
  }

  private frame(text: string): SourceRecord[] {
    const d = this.delimiter;
    const low = this.delimiterLow;
    let run = -1; // start of a run of plain field characters in `text`, flushed in one slice
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const isDelimiter = c === d && (low < 0 || text.charCodeAt(i + 1) === low);

      // A LF right after a CR is the second half of one line break (CRLF), wherever it is.
      if (c === LF && this.afterCR) {
        this.afterCR = false;
        if (this.state === QUOTED) {
          if (run < 0) run = i;
        }
        // Outside quotes the record already ended at the CR: the LF adds nothing.
        continue;
      }
      this.afterCR = false;
      if (!this.inRecord) {
        this.inRecord = true;
        this.recordDirty = false;
        this.recordLine = this.line;
      }
      // A suspect character (NUL, U+FFFD, any surrogate) marks the record: only marked records
      // are tested cell by cell, which tells a lone surrogate from a pair (an emoji).
      if (c === 0 || (c >= 0xd800 && (c <= 0xdfff || c === 0xfffd))) this.recordDirty = true;
      const isBreak = c === LF || c === CR;

      switch (this.state) {
        case QUOTED:
          if (c === QUOTE) {
            if (run >= 0) this.append(text, run, i);
            run = -1;
            this.state = QUOTE_IN_QUOTED;
          } else if (run < 0) {
            run = i;
          }
          break;
        case QUOTE_IN_QUOTED:
          if (c === QUOTE) {
            this.append('"', 0, 1);
            this.state = QUOTED;
          } else if (isDelimiter) {
            this.endField();
          } else if (isBreak) {
            this.endRecord(this.line);
          } else {
            this.state = UNQUOTED;
            run = i;
          }
          break;
        case FIELD_START:
          // A quote opens a quoted field only as the field's first character (RFC 4180 §2.5).
          if (c === QUOTE) {
            this.state = QUOTED;
            this.quoteLine = this.line;
          } else run = this.unquoted(c, isDelimiter, text, i, run);
          break;
        case UNQUOTED:
          run = this.unquoted(c, isDelimiter, text, i, run);
          break;
      }
      // A two-unit delimiter that just ended a field: its second half is not the next field's.
      if (isDelimiter && low >= 0 && this.state === FIELD_START) i++;

      if (isBreak) {
        this.line++;
        this.afterCR = c === CR;
        this.atLineStart = true;
      } else {
        this.atLineStart = false;
      }
    }
    if (run >= 0) this.append(text, run, text.length);
    return this.drain();
  }

  /** Signals the end of the input; returns the last record, if any. */
  end(): SourceRecord[] {
    // A high surrogate held back that no low one followed: text of the last record (bad encoding).
    const held = this.carry === '' ? [] : this.frame(this.carry);
    this.carry = '';
    const lastLine = Math.max(this.recordLine, this.atLineStart ? this.line - 1 : this.line);
    if (this.inRecord) {
      if (this.state === QUOTED) {
        this.out.push({
          kind: 'broken',
          code: 'unclosed_quote',
          // Reported where the quote opened (contract: Input); failed.csv copies from the record's start.
          line: this.quoteLine,
          ...(this.quoteLine > this.recordLine ? { copyFrom: this.recordLine } : {}),
          endLine: lastLine,
          message: `a quote opened on line ${this.quoteLine} never closes: lines ${this.recordLine}–${lastLine} (the rest of the file) were not read as rows`,
        });
        this.reset();
      } else {
        this.endRecord(lastLine);
      }
    }
    return [...held, ...this.drain()];
  }

  /** One character of an unquoted field: a delimiter or line break ends it; returns the run start. */
  private unquoted(c: number, isDelimiter: boolean, text: string, i: number, run: number): number {
    this.state = UNQUOTED;
    if (!isDelimiter && c !== LF && c !== CR) return run < 0 ? i : run;
    if (run >= 0) this.append(text, run, i);
    if (isDelimiter) this.endField();
    else this.endRecord(this.line);
    return -1;
  }

  private drain(): SourceRecord[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private append(text: string, from: number, to: number): void {
    const len = to - from;
    if (this.tooLarge) {
      if (!this.discardedContent && text.slice(from, to).trim() !== '') this.discardedContent = true;
      return;
    }
    this.recordChars += len;
    if (this.field.length + len > this.opts.maxFieldChars || this.recordChars > this.opts.maxRecordChars) {
      // Drop what we hold: an oversized record is reported by its span only, never buffered.
      this.tooLarge = true;
      this.discardedContent = [...this.cells, this.field, text.slice(from, to)].some((s) => s.trim() !== '');
      this.cells = [];
      this.field = '';
      return;
    }
    this.field += text.slice(from, to);
  }

  private endField(): void {
    if (!this.tooLarge) this.cells.push(this.field);
    this.field = '';
    this.state = FIELD_START;
  }

  private endRecord(endLine: number): void {
    this.endField();
    if (this.tooLarge) {
      if (this.discardedContent) {
        this.out.push({
          kind: 'broken',
          code: 'field_too_large',
          line: this.recordLine,
          endLine,
          message: `the record on lines ${this.recordLine}–${endLine} has a field over ${this.opts.maxFieldChars} characters (or is over ${this.opts.maxRecordChars} in all); it was skipped`,
        });
      }
    } else if (this.cells.some((cell) => cell.trim() !== '')) {
      // Blank lines and all-empty records (`,,`) are skipped (contract: Input).
      const cells = this.cells;
      this.out.push({
        kind: 'record',
        line: this.recordLine,
        endLine,
        cells,
        badEncoding: this.recordDirty && cells.some((cell) => BAD_TEXT.test(cell)),
      });
    }
    this.reset();
  }

  private reset(): void {
    this.inRecord = false;
    this.cells = [];
    this.field = '';
    this.recordChars = 0;
    this.tooLarge = false;
    this.discardedContent = false;
    this.state = FIELD_START;
  }
}
