/** The run's end: the dry run's scan warned about, the clears guard's verdict, the last facts journaled, then the reports from the journal. */
import { RowReports } from '../../report/row-reports.js';
import type { RunSummary } from '../../report/summary.js';
import type { LineSpan } from '../../types.js';
import { emptyScan, warnAboutScan } from '../first-pass/first-pass.js';
import { judgeDryRun } from '../gate/gate.js';
import type { JournalRun, RunFacts } from '../journal/journal-records.js';
import type { SentRows } from '../send/row-loop.js';
import type { RunFolder, RunParts } from '../run-parts.js';
import { type RunJournal, readRunJournal } from '../journal/run-journal.js';
import { writeRunReports } from './run-reports.js';

/** What the run keeps for its end: its journal's first records, a dry run's reports (fed as rows settled), the input's header span. */
export interface RunEnd {
  run: JournalRun;
  startFacts: RunFacts;
  dryReports: RowReports | null;
  headerSpan: LineSpan;
}

export async function finishRun(p: RunParts, folder: RunFolder, sent: SentRows, end: RunEnd): Promise<RunSummary> {
  const { opts, env, requests, settler, faults, stop, journal } = p;
  const { rows, prepared, dryScan, gate } = sent;
  if (dryScan !== null) warnAboutScan(dryScan, env.log);
  const scan = p.scan ?? dryScan ?? emptyScan();
  // A dry run counts while it reads: the clears guard judges at its end (exit 2 above the limit).
  const verdict = gate ?? judgeDryRun(scan, opts, env.log);
  const finishedAt = env.now().toISOString();
  const endFacts = (): RunFacts => ({
    finished_at: finishedAt,
    // Asked again when the reports are written: a write error meanwhile changes it.
    stopped: faults.finalStop(stop.current),
    ...(requests === null ? {} : { requests: requests.totals(), rate: { ...requests.client.pace } }),
    ...(gate !== null
      ? {}
      : {
          clears: { ...verdict.counted.clears },
          clears_guard: verdict.guard,
          confirmed: verdict.confirmed,
          duplicate_ids: scan.duplicateIds.size,
        }),
    ...prepared?.summary(settler.totals),
  });
  for (const record of requests?.takeRecords(true) ?? []) journal.append(record);
  journal.append({ type: 'facts', ...endFacts() });
  await journal.close();
  // A dry run's journal holds what the run holds already: not read back (its schema, and zod, never load).
  const read = end.dryReports === null ? await readRunJournal(folder.dir, 'report').catch(() => null) : null;
  const tally = { rows, totals: settler.totals, superseded: settler.supersededRows, carriedOver: sent.carriedOver };
  // A dry run fed its reports as its rows settled; a journal that cannot be read back (its folder
  // gone) leaves the summary alone to say what the run knows.
  const fed = end.dryReports ?? (read === null ? new RowReports(folder.dir, []) : null);
  const journalRead: RunJournal = read ?? {
    runDir: folder.dir,
    run: end.run,
    facts: end.startFacts,
    timeline: [],
    superseded: new Map(),
    endedAt: finishedAt,
    clearsGuard: null,
    tornLastLine: false,
    carriedRows: 0,
    resumedBy: [],
    chain: [folder.dir],
  };
  return writeRunReports({
    journal: journalRead,
    source: p.source,
    writes: faults.writes,
    log: env.log,
    live: {
      facts: endFacts,
      inputUnchanged: () => faults.inputUnchanged(),
      journaledRows: faults.journaledRows,
      ...(fed === null ? {} : { fed: { reports: fed, headerSpan: end.headerSpan, tally } }),
    },
  });
}
