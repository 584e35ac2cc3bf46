import path from 'node:path';
import type { LineSpan, RowResult } from '../types.js';
import { AtomicFileWriter } from './files.js';
import { countProblemCode } from './html.js';
import type { RowReport } from './read-reports.js';
import { needsRetry, resultLine, resultsHeaderLine } from './results.js';

/** Failed rows listed in report.html, at most; all of them are in failed.csv. */
export const HTML_ROW_CAP = 2000;
/** results.csv text gathered before one write. */
const WRITE_CHARS = 64 * 1024;

/** Line spans in two growing typed arrays: 8 bytes a failed row, not an object each. */
export class SpanList implements Iterable<LineSpan> {
  private starts = new Uint32Array(1024);
  private ends = new Uint32Array(1024);
  length = 0;

  push(span: LineSpan): void {
    if (this.length === this.starts.length) {
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[this.length] = span.line;
    this.ends[this.length] = span.endLine;
    this.length++;
  }

  *[Symbol.iterator](): Iterator<LineSpan> {
    for (let i = 0; i < this.length; i++) yield { line: this.starts[i] ?? 0, endLine: this.ends[i] ?? 0 };
  }
}

function grow(array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

/**
 * The per-row part of the reports, fed in input order: results.csv, plan.csv / rollback.csv, the
 * spans for failed.csv and the problem rows for report.html. Fed either as rows settle (when no row
 * can be superseded) or from the row spool at the end (when the superseded rows are known).
 */
export class RowReports {
  readonly failedSpans = new SpanList();
  readonly problemRows: RowResult[] = [];
  readonly problemCodes = new Map<string, number>();
  private readonly results: AtomicFileWriter;
  private pending = resultsHeaderLine();

  constructor(
    runDir: string,
    private readonly extraReports: readonly RowReport[],
  ) {
    this.results = new AtomicFileWriter(path.join(runDir, 'results.csv'));
  }

  /** Adds one row; returns a promise only when it has to wait for a write. */
  add(row: RowResult, supersededBy: number | undefined): Promise<void> | undefined {
    this.pending += resultLine(row, supersededBy);
    if (needsRetry(row, supersededBy !== undefined)) {
      this.failedSpans.push({ line: row.copyFrom ?? row.line, endLine: row.endLine });
      if (this.problemRows.length < HTML_ROW_CAP) this.problemRows.push(row);
      countProblemCode(this.problemCodes, row);
    }
    if (this.pending.length < WRITE_CHARS && this.extraReports.length === 0) return undefined;
    return this.write(row);
  }

  private async write(row: RowResult): Promise<void> {
    if (this.pending.length >= WRITE_CHARS) await this.flush();
    for (const report of this.extraReports) await report.add(row);
  }

  /** Writes results.csv (the other reports need the summary: the caller finishes them). */
  async commit(): Promise<void> {
    await this.flush();
    await this.results.commit();
  }

  private async flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    if (text !== '') await this.results.write(text);
  }
}
