import type { Delimiter, SourceRecord } from '../types.js';

// A pure RFC 4180 framer, lenient where the RFC is silent and never dropping a row; why not
// csv-parse, and the rules: src/input/README.md.

export interface FramerOptions {
  delimiter: Delimiter;
  /** In UTF-16 code units; a longer field makes the record `field_too_large`. */
  maxFieldChars: number;
  /** Bounds memory for one huge row of small cells. */
  maxRecordChars: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

const FIELD_START = 0;
/** Also after a closing quote: any `"` is literal. */
const UNQUOTED = 1;
const QUOTED = 2;
/** `""` is a literal quote, anything else closed the quote. */
const QUOTE_IN_QUOTED = 3;
type State = typeof FIELD_START | typeof UNQUOTED | typeof QUOTED | typeof QUOTE_IN_QUOTED;

/** U+FFFD (invalid bytes), NUL, or a lone surrogate (broken UTF-16). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL in decoded text marks a binary or mis-decoded file
const BAD_TEXT = /[\uFFFD\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class RecordFramer {
  private readonly delimiter: number;
  /** The low half of a delimiter outside the BMP (matched as a pair, never split across chunks), else -1. */
  private readonly delimiterLow: number;
  /** A high surrogate held back from the last chunk, for a two-unit delimiter. */
  private carry = '';
  private state: State = FIELD_START;
  /** Of the next character, 1-based. */
  private line = 1;
  private afterCR = false;
  /** At EOF the last line is then `line - 1`. */
  private atLineStart = true;

  private recordLine = 1;
  private quoteLine = 1;
  private inRecord = false;
  /** The record holds a character that may be bad text. */
  private recordDirty = false;
  private cells: string[] = [];
  private field = '';
  private recordChars = 0;
  /** Over a limit: from then on nothing is buffered. */
  private tooLarge = false;
  private discardedContent = false;
  private out: SourceRecord[] = [];

  constructor(private readonly opts: FramerOptions) {
    this.delimiter = opts.delimiter.charCodeAt(0);
    this.delimiterLow = opts.delimiter.length === 2 ? opts.delimiter.charCodeAt(1) : -1;
  }

  /** Returns the records the chunk completed. */
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
    let run = -1; // start of a run of plain characters, appended in one slice
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const isDelimiter = c === d && (low < 0 || text.charCodeAt(i + 1) === low);

      // The LF of a CRLF: outside quotes the record already ended at the CR.
      if (c === LF && this.afterCR) {
        this.afterCR = false;
        if (this.state === QUOTED) {
          if (run < 0) run = i;
        }
        continue;
      }
      this.afterCR = false;
      if (!this.inRecord) {
        this.inRecord = true;
        this.recordDirty = false;
        this.recordLine = this.line;
      }
      // Only marked records are tested with BAD_TEXT, which tells a lone surrogate from a pair.
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
      // Skip the low half of a two-unit delimiter that just ended a field.
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

  end(): SourceRecord[] {
    // A held-back high surrogate no low one followed: bad text of the last record.
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

  /** Returns the run start. */
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
      // Reported by its span only, never buffered.
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
