/** Where a settled row goes: the reports or the spool, the journal, progress, `onRow` and `onSuperseded`. */
import type { ImportOptions } from '../options.js';
import { resultFields } from '../report/results.js';
import type { RowResult } from '../types.js';
import { encodingHint } from './encoding-hint.js';
import type { FileScan } from './first-pass.js';
import { rowRecord } from './journal.js';
import type { RunParts } from './run-parts.js';
import { Settler } from './settle.js';

/** Whether a later row may supersede an earlier one: an id (or identifier) on several rows, in a mode that writes. */
export function mayBeSuperseded(opts: ImportOptions, scan: FileScan | null): boolean {
  if (scan === null || (opts.mode !== 'import' && opts.mode !== 'only-changed')) return false;
  return scan.duplicateIds.size > 0 || scan.duplicateKeys.size > 0;
}

/** The settler, wired to the journal, the row output, progress, `onRow` and `onSuperseded`. */
export function settlerFor(
  p: Pick<RunParts, 'env' | 'source' | 'journal' | 'output' | 'stop' | 'faults' | 'tally' | 'repeatIds'> & { maxErrors: number },
): Settler {
  let encodingHinted = false;
  const handedOn = (row: RowResult, supersedes: readonly number[]): void => {
    p.env.onRow?.(resultFields(row, undefined));
    for (const line of supersedes) p.env.onSuperseded?.({ line, by: row.line });
  };
  return new Settler({
    writeInOrder: (row, supersedes) => {
      const { spool, reports } = p.output;
      if (reports === null) throw new Error('internal: a row settled before the reports were opened');
      const target = spool?.path ?? reports.path;
      // A file that failed is not written again: its rows are still handed on, as the run drains.
      let written: Promise<void> | undefined;
      if (!p.faults.writes.isBroken(target)) {
        try {
          written = spool !== null ? spool.write(row) : reports.add(row, undefined);
        } catch (error) {
          p.faults.writes.fail(target, error);
        }
      }
      if (written === undefined) {
        handedOn(row, supersedes);
        return undefined;
      }
      const pending = written;
      return p.faults.writes.writeAsync(target, () => pending).then(() => handedOn(row, supersedes));
    },
    onSettled: (row) => {
      if (!encodingHinted && row.outcome.kind === 'invalid' && row.outcome.code === 'bad_encoding') {
        encodingHinted = true;
        p.env.log.warn(encodingHint(p.source.encoding, row.line));
      }
      p.faults.rowSettled(row);
      p.journal?.append(rowRecord(row));
      p.tally.rowSettled(row);
    },
    duplicateIds: p.repeatIds,
    maxErrors: p.maxErrors,
    onBreak: (message) => p.stop.halt({ reason: 'aborted', message }),
  });
}
