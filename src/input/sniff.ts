import type { Delimiter, DetectedDelimiter, LineEnding } from '../types.js';
import { sepLineDelimiter } from './delimiter.js';

/** Candidate delimiters, in the order that wins ties (`,` first: contract `--delimiter`). */
const DELIMITERS: readonly DetectedDelimiter[] = [',', ';', '\t'];

/**
 * The file's first line break, and the delimiter counts outside quotes in the header (the first
 * non-blank record). Quotes just toggle: `""` in a quoted cell toggles twice, as it should.
 */
export class HeaderSniffer {
  lineEnding: LineEnding | undefined;
  headerDone = false;
  /** The first non-blank line was Excel's `sep=` line, which names the delimiter (unless forced) and is not the header. */
  sepLine = false;
  private hasContent = false;
  private inQuotes = false;
  private pendingCR = false;
  private counts = new Map<Delimiter, number>();
  /** The start of the first non-blank line, to recognise a `sep=` line. */
  private lineStart = '';
  private sep: Delimiter | undefined;

  /** @param forced only it separates cells, so only it is "not content". */
  constructor(private readonly forced?: Delimiter) {}

  get done(): boolean {
    return this.headerDone && this.lineEnding !== undefined;
  }

  push(text: string): void {
    for (let i = 0; i < text.length && !this.done; i++) {
      const ch = text[i] as string;
      if (this.lineEnding === undefined) {
        if (this.pendingCR) this.lineEnding = ch === '\n' ? '\r\n' : '\r';
        else if (ch === '\n') this.lineEnding = '\n';
        this.pendingCR = this.lineEnding === undefined && ch === '\r';
      }
      if (this.headerDone) continue;
      if (!this.inQuotes && (ch === '\n' || ch === '\r')) {
        if (this.hasContent && !this.sepLine && this.takeSepLine()) continue;
        if (this.hasContent) this.headerDone = true;
        else {
          this.counts.clear();
          this.lineStart = '';
        }
        continue;
      }
      if (this.lineStart.length < 16) this.lineStart += ch;
      if (ch === '"') {
        this.inQuotes = !this.inQuotes;
      } else if (!this.inQuotes && this.isDelimiter(ch)) {
        this.counts.set(ch, (this.counts.get(ch) ?? 0) + 1);
      } else if (ch.trim() !== '') {
        this.hasContent = true;
      }
    }
  }

  private takeSepLine(): boolean {
    const named = sepLineDelimiter(this.lineStart);
    if (named === undefined) return false;
    this.sep = named;
    this.sepLine = true;
    this.counts.clear();
    this.hasContent = false;
    this.lineStart = '';
    return true;
  }

  end(): void {
    if (this.pendingCR) this.lineEnding = '\r';
    if (this.hasContent) this.headerDone = true;
  }

  /** Most frequent of `,` `;` tab outside quotes in the header; ties and none → `,`. */
  delimiter(): Delimiter {
    if (this.forced !== undefined) return this.forced;
    if (this.sep !== undefined) return this.sep;
    const counts = DELIMITERS.map((d) => this.counts.get(d) ?? 0);
    const most = Math.max(...counts);
    const winners = DELIMITERS.filter((_, i) => counts[i] === most);
    return most > 0 && winners.length === 1 ? (winners[0] as Delimiter) : ',';
  }

  private isDelimiter(ch: string): ch is Delimiter {
    return this.forced === undefined ? ch === ',' || ch === ';' || ch === '\t' : ch === this.forced;
  }
}
