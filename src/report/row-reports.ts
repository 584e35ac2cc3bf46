import path from 'node:path';
import type { LineSpan, RowResult } from '../types.js';
import { AtomicFileWriter } from './files.js';
import { countProblemCode } from './html.js';
import type { RowReport } from './read-reports.js';
import type { ProblemRows } from './summary.js';
import { needsRetry, resultLineBound, resultsHeaderLine, writeResultLine } from './results.js';

const HTML_ROW_CAP = 2000;
const SUMMARY_ROW_CAP = 5;
const WRITE_BYTES = 256 * 1024;

/** 8 bytes a failed row, not an object each. */
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

/** The per-row part of the reports, fed in input order. */
export class RowReports {
  readonly failedSpans = new SpanList();
  readonly problemRows: RowResult[] = [];
  readonly problemCodes = new Map<string, number>();
  private readonly problems: ProblemRows = { rows: [], total: 0 };
  /** By error code, with the first one's message. */
  private readonly failures = new Map<string, { error_code: string; rows: number; message: string }>();
  readonly path: string;
  private readonly results: AtomicFileWriter;
  /** Bytes at once: a line kept as text would keep its input chunk alive. */
  private readonly pending = Buffer.allocUnsafe(WRITE_BYTES);
  private used = 0;

  constructor(
    runDir: string,
    private readonly extraReports: readonly RowReport[],
  ) {
    this.path = path.join(runDir, 'results.csv');
    this.results = new AtomicFileWriter(this.path);
    this.used = this.pending.write(resultsHeaderLine(), 0, 'utf8');
  }

  add(row: RowResult, supersededBy: number | undefined): void {
    if (needsRetry(row, supersededBy !== undefined)) {
      this.failedSpans.push({ line: row.copyFrom ?? row.line, endLine: row.endLine });
      if (this.problemRows.length < HTML_ROW_CAP) this.problemRows.push(row);
      countProblemCode(this.problemCodes, row);
      const { outcome } = row;
      if (outcome.kind === 'invalid' || outcome.kind === 'failed') {
        this.problems.total++;
        if (this.problems.rows.length < SUMMARY_ROW_CAP)
          this.problems.rows.push({ line: row.line, error_code: outcome.code, message: outcome.message });
      }
      if (outcome.kind === 'failed') {
        const seen = this.failures.get(outcome.code);
        if (seen === undefined) this.failures.set(outcome.code, { error_code: outcome.code, rows: 1, message: outcome.message });
        else seen.rows++;
      }
    }
    this.writeLine(row, supersededBy);
    for (const report of this.extraReports) report.add(row);
  }

  problemSummary(): ProblemRows {
    const reasons = [...this.failures.values()].sort((a, b) => b.rows - a.rows).slice(0, 3);
    return { rows: [...this.problems.rows], total: this.problems.total, reasons };
  }

  private writeLine(row: RowResult, supersededBy: number | undefined): void {
    let end = writeResultLine(this.pending, this.used, row, supersededBy);
    if (end < 0) {
      this.flush();
      end = writeResultLine(this.pending, 0, row, supersededBy);
    }
    if (end >= 0) {
      this.used = end;
      return;
    }
    // Bigger than the whole buffer: written on its own.
    const line = Buffer.allocUnsafe(resultLineBound(row, supersededBy));
    this.results.writeBytes(line.subarray(0, writeResultLine(line, 0, row, supersededBy)));
  }

  async commit(): Promise<void> {
    this.flush();
    await this.results.commit();
  }

  async discard(): Promise<void> {
    this.used = 0;
    await this.results.discard();
  }

  private flush(): void {
    if (this.used === 0) return;
    const used = this.used;
    this.used = 0;
    this.results.writeBytes(this.pending.subarray(0, used));
  }
}
