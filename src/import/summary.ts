/** summary.json of an import, once the rows are settled and failed.csv's size is known. */
import path from 'node:path';
import type { ApiStats } from '../api/client.js';
import { paceFor, type RatePace } from '../rate-pace.js';
import { keyFingerprint } from '../credentials.js';
import { importExitCode } from '../exit-code.js';
import type { InputSource } from '../input/source.js';
import type { ImportOptions } from '../options.js';
import type { RunStop, RunSummary } from '../report/summary.js';
import type { OutcomeKind } from '../types.js';
import type { FileScan } from './first-pass.js';
import { type GateVerdict, sends } from './gate.js';
import type { PreparedMode } from './modes.js';
import type { ResumeState } from './resume.js';
import { resumeCommand, retryCommand } from './retry-command.js';

/** What a finished run knows. */
export interface RunFacts {
  runId: string;
  dir: string;
  startedAt: Date;
  finishedAt: Date;
  source: InputSource;
  rows: number;
  totals: Record<OutcomeKind, number>;
  superseded: number;
  stats: Readonly<ApiStats> | null;
  /** The pace in force at the end, when requests were sent. */
  pace: Readonly<RatePace> | null;
  scan: FileScan | null;
  stop: RunStop | null;
  resume: ResumeState | null;
  carriedOver: number;
  prepared: PreparedMode | null;
  /** The clears guard's count and decision, and how going on was confirmed. */
  verdict: GateVerdict;
}

export function buildSummary(opts: ImportOptions, facts: RunFacts, failedRows: number): RunSummary {
  const { source, stop, resume, scan, verdict } = facts;
  // A refused or declined run sent nothing: the way on is the same file with other options, not a retry or a resume.
  const refused = stop?.reason === 'clears_guard' || stop?.reason === 'declined';
  const summary: RunSummary = {
    run_id: facts.runId,
    mode: opts.mode,
    input: {
      path: source.displayPath,
      sha256: source.sha256,
      rows: facts.rows,
      ...(source.workbook === null
        ? { encoding: source.encoding, delimiter: source.delimiter, sheet: null }
        : { encoding: null, delimiter: null, sheet: source.workbook.sheet }),
    },
    base_url: opts.baseUrl,
    key_fingerprint: opts.apiKey === null ? null : keyFingerprint(opts.apiKey),
    started_at: facts.startedAt.toISOString(),
    finished_at: facts.finishedAt.toISOString(),
    totals: facts.totals,
    requests: { total: facts.stats?.total ?? 0, retries: facts.stats?.retries ?? 0, rate_limited: facts.stats?.rateLimited ?? 0 },
    // A run that sent nothing records the pace it would have started at.
    rate: { ...(facts.pace ?? paceFor(opts.rate, undefined)) },
    exit_code: 0,
    clears: { ...verdict.counted.clears },
    clears_guard: verdict.guard,
    confirmed: verdict.confirmed,
    duplicate_ids: scan?.duplicateIds.size ?? 0,
    superseded: facts.superseded,
    stopped: stop,
    report_dir: facts.dir,
    retry_command: failedRows > 0 && !refused ? retryCommand(path.join(facts.dir, 'failed.csv'), opts, source) : null,
    // A dry run or a plan sent nothing: it is run again, not resumed (a resume refuses it).
    resume_command: stop === null || refused || !sends(opts.mode) ? null : resumeCommand(source.displayPath, facts.dir, opts),
    ...(resume === null ? {} : { resumed_from: resume.run.run_id, carried_over: facts.carriedOver }),
    ...facts.prepared?.summary(facts.totals),
  };
  summary.exit_code = importExitCode(summary, opts);
  return summary;
}
