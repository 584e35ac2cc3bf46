/**
 * A run's journal read back for its reports: the run record, the facts merged in order, the
 * request timeline, which lines later rows superseded (first pass), then the settled rows in
 * journal order (second pass, one at a time: a journal of a million rows is never held whole).
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';
import type { TimelineBucket } from '../report/html.js';
import type { RowResult } from '../types.js';
import { type JournalRow, type JournalRun, journalPath, journalRecordSchema, scanJournal } from './journal-records.js';
import type { RunFacts } from './summary.js';

export interface RunJournal {
  runDir: string;
  run: JournalRun;
  facts: RunFacts;
  timeline: TimelineBucket[];
  /** A superseded line → the later line of the same id that overwrote it. */
  superseded: Map<number, number>;
  /** When the journal last changed: the end of a run that never wrote its own. */
  endedAt: string;
}

/** The first pass over a run's journal; `command` names the reader in messages (`report`, `--resume`). */
export async function readRunJournal(runDir: string, command: string): Promise<RunJournal> {
  let run: JournalRun | undefined;
  let facts: RunFacts = {};
  const buckets = new Map<number, TimelineBucket>();
  const superseded = new Map<number, number>();
  await scanJournal(
    runDir,
    (record) => {
      if (record.type === 'run') run ??= record;
      else if (record.type === 'facts') {
        const { type: _, ...more } = record;
        facts = { ...facts, ...more };
      } else if (record.type === 'requests') {
        const bucket = buckets.get(record.at) ?? { at: record.at, requests: 0, rateLimited: 0 };
        bucket.requests += record.requests;
        bucket.rateLimited += record.rate_limited;
        buckets.set(record.at, bucket);
        // Totals and pace as they stood at the journal's last word on requests.
        facts = { ...facts, requests: record.totals, rate: record.rate };
      } else if (record.type === 'row') for (const line of record.supersedes ?? []) superseded.set(line, record.line);
    },
    command,
  );
  if (run === undefined) throw new UsageError(`${command} ${runDir}: the journal has no readable run header`, 'not_a_run');
  const endedAt = statSync(journalPath(runDir, command)).mtime.toISOString();
  return { runDir, run, facts, timeline: [...buckets.values()].sort((a, b) => a.at - b.at), superseded, endedAt };
}

/** A journaled row as the reports take it. */
export function journaledResult(row: JournalRow): RowResult {
  const copyFrom = row.copy_from === undefined ? {} : { copyFrom: row.copy_from };
  return { line: row.line, endLine: row.end_line, ...copyFrom, id: row.id, outcome: row.outcome, patch: row.patch, before: row.before };
}

/**
 * The settled rows, in journal order. A line that does not parse is skipped: the first pass threw
 * for any but the last (a crash cuts only the write in flight).
 */
export async function* journalRows(runDir: string): AsyncGenerator<JournalRow> {
  const lines = createInterface({ input: createReadStream(journalPath(runDir)), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    // Records are written with `type` first: other records are passed over without parsing them.
    if (!text.startsWith('{"type":"row"')) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const parsed = journalRecordSchema.safeParse(json);
    if (parsed.success && parsed.data.type === 'row') yield parsed.data;
  }
}

/**
 * Journaled results looked up by line as the input is walked in file order. Rows settle nearly in
 * file order (a run holds only so many settled rows back), so the rows read ahead stay few.
 */
export class JournalCursor {
  private readonly ahead = new Map<number, RowResult>();
  private done = false;
  /** Rows the journal carried over from the run a resume continued. */
  carried = 0;

  constructor(private readonly rows: AsyncGenerator<JournalRow>) {}

  /** The row's journaled result, or undefined when the journal never settled it. */
  async take(line: number): Promise<RowResult | undefined> {
    while (!this.ahead.has(line) && !this.done) {
      const next = await this.rows.next();
      if (next.done === true) this.done = true;
      else {
        if (next.value.carried === true) this.carried++;
        this.ahead.set(next.value.line, journaledResult(next.value));
      }
    }
    const found = this.ahead.get(line);
    this.ahead.delete(line);
    return found;
  }

  async close(): Promise<void> {
    await this.rows.return(undefined);
  }
}
