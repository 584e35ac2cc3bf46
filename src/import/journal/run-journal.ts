/** A run's journal read back: a first pass for the facts, then a cursor along the input (CONTRIBUTING.md, "The journal"). */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { TimelineBucket } from '../../report/html.js';
import type { ClearsGuardSummary } from '../../report/summary.js';
import type { RowResult, WritableValues } from '../../types.js';
import type { CheckedRow } from '../read/check.js';
// Types only: the schema (and zod) load when a journal is read back, never for a run that only writes one.
import type { JournalBefore, JournalResumedBy, JournalRow, JournalRun, RunFacts } from './journal-records.js';

export interface RunJournal {
  runDir: string;
  run: JournalRun;
  facts: RunFacts;
  timeline: TimelineBucket[];
  /** A superseded line → the later line of its id that overwrote it (in this run or those it resumed). */
  superseded: Map<number, number>;
  /** When the journal last changed: the end of a run that never wrote its own. */
  endedAt: string;
  /** Null when the run stopped before deciding (nothing was sent). */
  clearsGuard: ClearsGuardSummary | null;
  tornLastLine: boolean;
  carriedRows: number;
  resumedBy: JournalResumedBy[];
  /** The folders whose journals hold its rows, this one first: a killed resume carried over only the rows it reached. */
  chain: string[];
}

/** `command` names the reader in messages (`report`, `--resume`). */
export async function readRunJournal(runDir: string, command: string): Promise<RunJournal> {
  const settled = new LineBits();
  const superseded = new Map<number, number>();
  const head = await readJournalFacts(runDir, command, settled, superseded);
  const chain = [runDir];
  // A run that ended walked the whole file and carried every settled row over: its journal is whole.
  const resumed = (at: typeof head): string | undefined => (at.facts.finished_at === undefined ? at.run.resumes : undefined);
  for (let dir = resumed(head); dir !== undefined && !chain.includes(dir); ) {
    if (!existsSync(path.join(dir, 'journal.ndjson'))) {
      // Without it, a resume would send again rows that run settled and this one never reached.
      if (command !== '--resume') break;
      throw new UsageError(
        `--resume ${runDir}: that run was killed before it carried over every row of the run it resumed, whose folder ${dir} is gone; restore that folder, or resume the run before it`,
        'bad_resume',
      );
    }
    const at = await readJournalFacts(dir, command, settled, superseded);
    chain.push(dir);
    dir = resumed(at);
  }
  let carriedRows = settled.count;
  for (const line of superseded.keys()) if (!settled.has(line)) carriedRows++;
  return { ...head, superseded, carriedRows, chain };
}

/** One journal's facts; its settled lines and supersessions go into `settled` and `superseded`. */
async function readJournalFacts(
  runDir: string,
  command: string,
  settled: LineBits,
  superseded: Map<number, number>,
): Promise<Omit<RunJournal, 'superseded' | 'carriedRows' | 'chain'>> {
  const { journalPath, scanJournal } = await import('./journal-records.js');
  let run: JournalRun | undefined;
  let facts: RunFacts = {};
  let clearsGuard: ClearsGuardSummary | null = null;
  const buckets = new Map<number, TimelineBucket>();
  const resumedBy: JournalResumedBy[] = [];
  const { tornLastLine } = await scanJournal(
    runDir,
    (record) => {
      if (record.type === 'run') run ??= record;
      else if (record.type === 'facts') {
        const { type: _, ...more } = record;
        facts = { ...facts, ...more };
      } else if (record.type === 'clears_guard') {
        const { type: _, ...decision } = record;
        clearsGuard = decision;
      } else if (record.type === 'requests') {
        const bucket = buckets.get(record.at) ?? { at: record.at, requests: 0, rateLimited: 0 };
        bucket.requests += record.requests;
        bucket.rateLimited += record.rate_limited;
        buckets.set(record.at, bucket);
        // Totals and pace as they stood at the journal's last word on requests.
        facts = { ...facts, requests: record.totals, rate: record.rate };
      } else if (record.type === 'row') {
        if (staysSettled(record)) settled.add(record.line);
        for (const line of record.supersedes ?? []) if (!superseded.has(line)) superseded.set(line, record.line);
      } else if (record.type === 'resumed_by') resumedBy.push(record);
    },
    command,
  );
  if (run === undefined) {
    throw new UsageError(
      `${command} ${runDir}: the journal has no readable run header`,
      command === '--resume' ? 'bad_resume' : 'not_a_run',
    );
  }
  return {
    runDir,
    run,
    facts,
    timeline: [...buckets.values()].sort((a, b) => a.at - b.at),
    // A resume's mark changed the journal after the run: the run's own last change is kept in it.
    endedAt: resumedBy[0]?.last_changed_at ?? statSync(journalPath(runDir, command)).mtime.toISOString(),
    clearsGuard,
    tornLastLine,
    resumedBy,
  };
}

/** Rows settled `updated`, `unchanged` or `invalid`: never sent again. */
function staysSettled(row: JournalRow): boolean {
  const kind = row.outcome.kind;
  return kind === 'updated' || kind === 'unchanged' || kind === 'invalid';
}

/** Carried over by a resume, not sent again: settled for good, or superseded (sending it would bring back older data). */
export function carries(row: JournalRow, superseded: ReadonlyMap<number, number>): boolean {
  return staysSettled(row) || superseded.has(row.line);
}

/** A journaled row as the reports take it. */
export function journaledResult(row: JournalRow): RowResult {
  const copyFrom = row.copy_from === undefined ? {} : { copyFrom: row.copy_from };
  return { line: row.line, endLine: row.end_line, ...copyFrom, id: row.id, outcome: row.outcome, patch: row.patch, before: row.before };
}

/** The rows a resume sends again (the gate counts them): the carried ones left out. */
export async function* notCarried(rows: AsyncIterable<CheckedRow>, resume: RunJournal): AsyncGenerator<CheckedRow> {
  const cursor = new JournalCursor(resume);
  try {
    for await (const row of rows) {
      const { row: journaled } = await cursor.take(row.line);
      if (journaled === undefined || !carries(journaled, resume.superseded)) yield row;
    }
  } finally {
    await cursor.close();
  }
}

/** A line as the journal left it: its settled row, or before-values journaled ahead of a PATCH whose row never settled. */
export interface JournaledLine {
  row?: JournalRow;
  before?: WritableValues;
}

/** Rows and before-values by line, in file order, along the chain: a line this run never settled takes an earlier run's. */
export class JournalCursor {
  private readonly cursors: OneJournal[];

  constructor(private readonly journal: Pick<RunJournal, 'chain' | 'superseded'>) {
    this.cursors = journal.chain.map((dir) => new OneJournal(dir));
  }

  async take(line: number): Promise<JournaledLine> {
    // Every journal moves on to this line, so none holds what it read ahead for long.
    const found = await Promise.all(this.cursors.map((cursor) => cursor.take(line)));
    const [own, ...earlier] = found;
    if (own?.row !== undefined) return { row: own.row };
    const carried = earlier.find((at) => at.row !== undefined && carries(at.row, this.journal.superseded))?.row;
    if (carried !== undefined) return { row: { ...carried, carried: true } };
    const before = found.find((at) => at.before !== undefined)?.before;
    return before === undefined ? {} : { before };
  }

  async close(): Promise<void> {
    await Promise.all(this.cursors.map((cursor) => cursor.close()));
  }
}

/** Rows settle nearly in file order, so what is read ahead stays small. */
class OneJournal {
  private readonly ahead = new Map<number, JournaledLine>();
  private readonly records: AsyncGenerator<JournalRow | JournalBefore>;
  private done = false;

  constructor(runDir: string) {
    this.records = journalEntries(runDir);
  }

  async take(line: number): Promise<JournaledLine> {
    while (this.ahead.get(line)?.row === undefined && !this.done) {
      const next = await this.records.next();
      if (next.done === true) this.done = true;
      else {
        const at = this.ahead.get(next.value.line) ?? {};
        if (next.value.type === 'row') at.row = next.value;
        else at.before = next.value.before;
        this.ahead.set(next.value.line, at);
      }
    }
    const found = this.ahead.get(line) ?? {};
    this.ahead.delete(line);
    return found.row === undefined ? found : { row: found.row };
  }

  async close(): Promise<void> {
    await this.records.return(undefined);
  }
}

/** The first pass checked every line through the schema: here only JSON, and a torn last line is skipped. */
async function* journalEntries(runDir: string): AsyncGenerator<JournalRow | JournalBefore> {
  const { journalLines, journalPath } = await import('./journal-records.js');
  for await (const text of journalLines(journalPath(runDir))) {
    // Records are written with `type` first: the others are passed over without parsing them.
    if (!text.startsWith('{"type":"row"') && !text.startsWith('{"type":"before"')) continue;
    try {
      yield JSON.parse(text) as JournalRow | JournalBefore;
    } catch {}
  }
}

/** A set of line numbers as bits: a million lines in 125 kB. */
class LineBits {
  private bits = new Uint8Array(1024);
  count = 0;

  add(line: number): void {
    if (line >> 3 >= this.bits.length) {
      const bigger = new Uint8Array(Math.max(this.bits.length * 2, (line >> 3) + 1));
      bigger.set(this.bits);
      this.bits = bigger;
    }
    const mask = 1 << (line & 7);
    if (((this.bits[line >> 3] ?? 0) & mask) === 0) this.count++;
    this.bits[line >> 3] = (this.bits[line >> 3] ?? 0) | mask;
  }

  has(line: number): boolean {
    return ((this.bits[line >> 3] ?? 0) & (1 << (line & 7))) !== 0;
  }
}
