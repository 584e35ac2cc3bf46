/** journal.ndjson's records, one zod schema both ways. Only a torn last line is forgiven (a crash mid-write). */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { parseDelimiterArg } from '../../input/delimiter.js';
import {
  clearsGuardSchema,
  confirmationSchema,
  paceSchema,
  planSummarySchema,
  readSummarySchema,
  requestTotalsSchema,
  runStopSchema,
} from '../../report/summary-schema.js';
import { FAILED_CODES, INVALID_CODES, NOT_ATTEMPTED_CODES, type Delimiter, WRITABLE_FIELDS } from '../../types.js';

const counted = { httpStatus: z.number().int().nullable(), attempts: z.number().int().nonnegative() };
const outcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('updated'), ...counted }),
  z.object({ kind: z.literal('unchanged'), ...counted }),
  z.object({ kind: z.literal('valid') }),
  z.object({ kind: z.literal('would_update'), ...counted }),
  z.object({ kind: z.literal('invalid'), code: z.enum(INVALID_CODES), message: z.string(), ...counted }),
  z.object({ kind: z.literal('failed'), code: z.enum(FAILED_CODES), message: z.string(), ...counted }),
  z.object({ kind: z.literal('not_attempted'), code: z.enum(NOT_ATTEMPTED_CODES), message: z.string(), attempts: z.number().int().min(0) }),
]);
const valuesSchema = z.object({ customer_name: z.string().nullable(), customer_language: z.string().nullable() });
const line = z.number().int().positive();

const runRecordSchema = z.object({
  type: z.literal('run'),
  version: z.literal(1),
  run_id: z.string(),
  mode: z.enum(['import', 'dry-run', 'plan', 'only-changed']),
  started_at: z.string().optional(),
  input: z.object({
    path: z.string(),
    /** So a report from another folder finds the file. */
    absolute_path: z.string().optional(),
    sha256: z.string(),
    encoding: z.enum(['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'latin1']),
    delimiter: z.string().transform((value, ctx): Delimiter => {
      try {
        return parseDelimiterArg(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `not a delimiter: ${JSON.stringify(value)}` });
        return z.NEVER;
      }
    }),
    sheet: z.string().optional(),
  }),
  options: z.object({
    empty: z.enum(['null', 'keep']),
    map: z.array(z.string()),
    match_by: z.enum(['id', 'customer_identifier']),
    base_url: z.string(),
  }),
  /** The folder of the run this one resumes: rows this run never reached are settled there. */
  resumes: z.string().optional(),
});

/** `supersedes`: the earlier lines of its id it overwrote; `carried`: from the run a resume continues. */
const rowRecordSchema = z.object({
  type: z.literal('row'),
  line,
  end_line: line,
  copy_from: line.optional(),
  id: z.string().nullable(),
  outcome: outcomeSchema,
  patch: z.partialRecord(z.enum(WRITABLE_FIELDS), z.string().nullable()),
  before: valuesSchema.nullable(),
  supersedes: z.array(line).optional(),
  carried: z.literal(true).optional(),
});

/** Fsync'd before the PATCH that changes them is sent. */
const beforeRecordSchema = z.object({ type: z.literal('before'), line, id: z.string(), before: valuesSchema });

/** Fsync'd before the first PATCH: a resume keeps it. */
const clearsGuardRecordSchema = clearsGuardSchema.extend({ type: z.literal('clears_guard') });

const counts = z.number().int().nonnegative();

/** Requests started in one second (report.html's chart), and the totals then. */
const requestsRecordSchema = z.object({
  type: z.literal('requests'),
  at: counts,
  requests: counts,
  rate_limited: counts,
  totals: requestTotalsSchema,
  rate: paceSchema,
});

/** What summary.json tells beyond the rows; later keys win; no `finished_at`: the run never ended. */
const factsRecordSchema = z.object({
  type: z.literal('facts'),
  key_fingerprint: z.string().nullable().optional(),
  report_dir: z.string().optional(),
  detailed_exitcode: z.boolean().optional(),
  commands: z.object({ retry: z.string(), resume: z.string().nullable(), undo: z.string() }).optional(),
  resumed_from: z.string().optional(),
  rate: paceSchema.optional(),
  requests: requestTotalsSchema.optional(),
  clears: z.object({ customer_name: counts, customer_language: counts }).optional(),
  clears_guard: clearsGuardSchema.optional(),
  confirmed: confirmationSchema.optional(),
  duplicate_ids: counts.optional(),
  read: readSummarySchema.optional(),
  plan: planSummarySchema.optional(),
  finished_at: z.string().optional(),
  stopped: runStopSchema.nullable().optional(),
});

/** Before the resuming run's first PATCH (another resume is refused while `dir` exists); `last_changed_at`: the journal's before it. */
const resumedByRecordSchema = z.object({ type: z.literal('resumed_by'), run_id: z.string(), dir: z.string(), last_changed_at: z.string() });

const journalRecordSchema = z.discriminatedUnion('type', [
  runRecordSchema,
  rowRecordSchema,
  beforeRecordSchema,
  clearsGuardRecordSchema,
  requestsRecordSchema,
  factsRecordSchema,
  resumedByRecordSchema,
]);
export type JournalRecord = z.infer<typeof journalRecordSchema>;
export type JournalRun = z.infer<typeof runRecordSchema>;
export type JournalRow = z.infer<typeof rowRecordSchema>;
export type JournalBefore = z.infer<typeof beforeRecordSchema>;
export type JournalRequests = z.infer<typeof requestsRecordSchema>;
export type JournalResumedBy = z.infer<typeof resumedByRecordSchema>;
export type RunFacts = Omit<z.infer<typeof factsRecordSchema>, 'type'>;

function parseLine(text: string): { ok: true; record: JournalRecord } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = journalRecordSchema.safeParse(json);
  if (parsed.success) return { ok: true, record: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: issue === undefined ? 'not a journal record' : `${issue.path.join('.') || 'record'}: ${issue.message}` };
}

/** `command` names the reader in messages (`--resume`, `report`). */
export function journalPath(runDir: string, command = '--resume'): string {
  const file = path.join(runDir, 'journal.ndjson');
  if (!existsSync(file)) {
    throw new UsageError(
      `${command} ${runDir}: no journal.ndjson there: is it a run folder?`,
      command === '--resume' ? 'bad_resume' : 'not_a_run',
    );
  }
  return file;
}

export async function scanJournal(
  runDir: string,
  visit: (record: JournalRecord) => void,
  command = '--resume',
): Promise<{ tornLastLine: boolean }> {
  let bad: { line: number; reason: string } | null = null;
  let n = 0;
  for await (const text of journalLines(journalPath(runDir, command))) {
    n++;
    if (text.trim() === '') continue;
    if (bad !== null) {
      throw new UsageError(
        `${command} ${runDir}: journal.ndjson line ${bad.line} is damaged (${bad.reason}); the journal cannot be trusted, start a new run`,
        'journal_corrupt',
      );
    }
    const parsed = parseLine(text);
    if (parsed.ok) visit(parsed.record);
    else bad = { line: n, reason: parsed.reason };
  }
  return { tornLastLine: bad !== null };
}

export async function* journalLines(file: string): AsyncGenerator<string> {
  const input = createReadStream(file);
  try {
    yield* createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  } finally {
    input.destroy();
  }
}
