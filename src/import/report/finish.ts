/** The run's end: the last facts journaled, then the reports from the journal. */
import { RowReports } from '../../report/row-reports.js';
import type { RunSummary } from '../../report/summary.js';
import type { LineSpan } from '../../types.js';
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

export async function finishRun(p: Omit<RunParts, 'opts'>, folder: RunFolder, sent: SentRows, end: RunEnd): Promise<RunSummary> {
  const { env, requests, settler, faults, stop, journal } = p;
  const finishedAt = env.now().toISOString();
  const endFacts = (): RunFacts => ({
    finished_at: finishedAt,
    // Asked again when the reports are written: a write error meanwhile changes it.
    stopped: faults.finalStop(stop.current),
    requests: requests.totals(),
    rate: { ...requests.pace() },
    ...sent.prepared?.summary(settler.totals),
  });
  for (const record of requests.takeRecords(true)) journal.append(record);
  journal.append({ type: 'facts', ...endFacts() });
  await journal.close();
  // A dry run's journal holds what the run holds already: not read back (its schema, and zod, never load).
  const read = end.dryReports === null ? await readRunJournal(folder.dir, 'report').catch(() => null) : null;
  const tally = { rows: sent.rows, totals: settler.totals, superseded: settler.supersededRows, carriedOver: sent.carriedOver };
  // A journal that cannot be read back (its folder gone) leaves the summary alone to say what the run knows.
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
      facts: () => ({ ...sent.verdict, ...endFacts() }),
      inputUnchanged: () => faults.inputUnchanged(),
      journaledRows: faults.journaledRows,
      ...(fed === null ? {} : { fed: { reports: fed, headerSpan: end.headerSpan, tally } }),
    },
  });
}
