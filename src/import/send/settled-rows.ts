import { resultFields } from '../../report/results.js';
import type { RowReports } from '../../report/row-reports.js';
import type { InputEncoding, RowResult } from '../../types.js';
import { rowRecord } from '../journal/journal.js';
import type { RunParts } from '../run-parts.js';
import { Settler } from './settle.js';

/** The settler wired to the journal, progress and callbacks; `reports` only for a dry run, which journals no rows. */
export function settlerFor(
  p: Pick<RunParts, 'env' | 'source' | 'journal' | 'requests' | 'stop' | 'faults' | 'tally'> & {
    duplicateIds: ReadonlySet<string>;
    maxErrors: number;
    reports: RowReports | null;
  },
): Settler {
  let encodingHinted = false;
  const handedOn = (row: RowResult, supersedes: readonly number[]): void => {
    p.env.onRow?.(resultFields(row, undefined));
    for (const line of supersedes) p.env.onSuperseded?.({ line, by: row.line });
  };
  const { reports } = p;
  return new Settler({
    inOrder: (row, supersedes) => {
      // A file that failed is not written again: its rows are still handed on, as the run drains.
      if (reports !== null && !p.faults.writes.isBroken(reports.path)) {
        try {
          reports.add(row, undefined);
        } catch (error) {
          p.faults.writes.fail(reports.path, error);
        }
      }
      handedOn(row, supersedes);
    },
    onSettled: (row, origin, supersedes) => {
      if (!encodingHinted && row.outcome.kind === 'invalid' && row.outcome.code === 'bad_encoding') {
        encodingHinted = true;
        p.env.log.warn(encodingHint(p.source.encoding, row.line));
      }
      p.faults.rowSettled(row);
      for (const record of p.requests.takeRecords()) p.journal.append(record);
      if (reports === null) p.journal.append(rowRecord(row, supersedes, origin === 'carried'));
      p.tally.rowSettled(row);
    },
    duplicateIds: p.duplicateIds,
    maxErrors: p.maxErrors,
    onBreak: (message) => p.stop.halt({ reason: 'aborted', message }),
  });
}

/** For the first `bad_encoding` row: files from Excel on Windows are windows-1252. */
function encodingHint(encoding: InputEncoding, line: number): string {
  const what = `line ${line} holds bytes that are not valid ${encoding} (or a NUL byte): such rows are invalid (bad_encoding) and nothing of them is sent`;
  return encoding === 'utf-8'
    ? `${what}. If the file comes from Excel on Windows, try --encoding windows-1252`
    : `${what}. Check the file's encoding (--encoding)`;
}
