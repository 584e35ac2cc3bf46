/**
 * What journal.ndjson holds, as one zod schema used both ways: the run writes only records of these
 * types, and `--resume` reads them back through the same schema. A torn last line (a crash
 * mid-write) is skipped with a warning; any other line that does not parse is a damaged journal.
 */
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { parseDelimiterArg } from '../input/delimiter.js';
import type { InputSource } from '../input/source.js';
import type { ImportOptions } from '../options.js';
import { FAILED_CODES, INVALID_CODES, NOT_ATTEMPTED_CODES, type Delimiter, type RowResult, WRITABLE_FIELDS } from '../types.js';

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

/** The first record: what the run sent and from what. */
const runRecordSchema = z.object({
  type: z.literal('run'),
  version: z.literal(1),
  run_id: z.string(),
  mode: z.enum(['import', 'dry-run', 'plan', 'only-changed']),
  started_at: z.string().optional(),
  input: z.object({
    path: z.string(),
    sha256: z.string(),
    encoding: z.enum(['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'latin1']),
    // Any one code point the run was given or found; checked again as an option when read back.
    delimiter: z.string().transform((value, ctx): Delimiter => {
      try {
        return parseDelimiterArg(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `not a delimiter: ${JSON.stringify(value)}` });
        return z.NEVER;
      }
    }),
  }),
  options: z.object({
    empty: z.enum(['null', 'keep']),
    map: z.array(z.string()),
    match_by: z.enum(['id', 'customer_identifier']),
    base_url: z.string(),
  }),
});

/** One settled row. */
const rowRecordSchema = z.object({
  type: z.literal('row'),
  line,
  end_line: line,
  copy_from: line.optional(),
  id: z.string().nullable(),
  outcome: outcomeSchema,
  patch: z.partialRecord(z.enum(WRITABLE_FIELDS), z.string().nullable()),
  before: valuesSchema.nullable(),
});

/** Before-values, journaled (and fsync'd) before the PATCH that changes them is sent. */
const beforeRecordSchema = z.object({ type: z.literal('before'), line, id: z.string(), before: valuesSchema });

/** The clears guard's decision, journaled (and fsync'd) before the first PATCH: a resume keeps it. */
const clearsGuardRecordSchema = z.object({
  type: z.literal('clears_guard'),
  limit: z.string(),
  allowed: z.boolean(),
  tripped: z.boolean(),
  over_limit: z.array(z.enum(WRITABLE_FIELDS)),
});

export const journalRecordSchema = z.discriminatedUnion('type', [
  runRecordSchema,
  rowRecordSchema,
  beforeRecordSchema,
  clearsGuardRecordSchema,
]);
export type JournalRecord = z.infer<typeof journalRecordSchema>;
export type JournalRun = z.infer<typeof runRecordSchema>;
export type JournalRow = z.infer<typeof rowRecordSchema>;
export type JournalBefore = z.infer<typeof beforeRecordSchema>;
export type JournalClearsGuard = z.infer<typeof clearsGuardRecordSchema>;

/** A journal read back: its records in order, and whether a torn last line was skipped. */
export interface ReadJournal {
  records: JournalRecord[];
  tornLastLine: boolean;
}

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

/** Reads `<runDir>/journal.ndjson` through the schema. */
export async function readJournalFile(runDir: string): Promise<ReadJournal> {
  const file = path.join(runDir, 'journal.ndjson');
  if (!existsSync(file)) {
    throw new UsageError(
      `--resume ${runDir}: no journal.ndjson there: is it a run folder? (a dry run keeps no journal: it has nothing to resume)`,
      'bad_resume',
    );
  }
  const records: JournalRecord[] = [];
  // A bad line is forgiven only when it is the last one: a crash cuts the write in flight, nothing before it.
  let bad: { line: number; reason: string } | null = null;
  let n = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    n++;
    if (text.trim() === '') continue;
    if (bad !== null) {
      throw new UsageError(
        `--resume ${runDir}: journal.ndjson line ${bad.line} is damaged (${bad.reason}); the journal cannot be trusted, start a new run`,
        'journal_corrupt',
      );
    }
    const parsed = parseLine(text);
    if (parsed.ok) records.push(parsed.record);
    else bad = { line: n, reason: parsed.reason };
  }
  return { records, tornLastLine: bad !== null };
}

/** A settled row as journaled. */
export function rowRecord(row: RowResult): JournalRow {
  const copyFrom = row.copyFrom === undefined ? {} : { copy_from: row.copyFrom };
  return {
    type: 'row',
    line: row.line,
    end_line: row.endLine,
    ...copyFrom,
    id: row.id,
    outcome: row.outcome,
    patch: row.patch,
    before: row.before,
  };
}

/** The journal's first record, from the checked options and the opened input. */
export function runRecord(run: { runId: string; startedAt: Date }, opts: ImportOptions, source: InputSource): JournalRun {
  return {
    type: 'run',
    version: 1,
    run_id: run.runId,
    mode: opts.mode,
    started_at: run.startedAt.toISOString(),
    input: { path: source.displayPath, sha256: source.sha256, encoding: source.encoding, delimiter: source.delimiter },
    options: { empty: opts.empty, map: [...opts.mapArgs], match_by: opts.matchBy, base_url: opts.baseUrl },
  };
}
