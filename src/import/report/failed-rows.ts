/** failed.csv: the failed records' bytes copied from a CSV input, or a workbook's failed rows written as UTF-8 CSV. */
import { open } from 'node:fs/promises';
import { copyRecordSpans } from '../../input/failed-copy.js';
import type { InputSource } from '../../input/source.js';
import type { WorkbookSource } from '../../input/workbook.js';
import { csvLine } from '../../report/csv.js';
import type { LineSpan } from '../../types.js';

/** Writes failed.csv (header, then the rows on `spans`' lines, in line order); returns the rows written. */
export function writeFailedRows(
  source: InputSource,
  header: LineSpan,
  spans: AsyncIterable<LineSpan> | Iterable<LineSpan>,
  outPath: string,
  mode: number,
): Promise<number> {
  return source.workbook === null
    ? copyRecordSpans(source, header, spans, outPath, { mode })
    : writeWorkbookRows(source, source.workbook, spans, outPath, mode);
}

/**
 * A workbook's failed rows under its header row, each cell as the reader saw it (a number's
 * digits, an ISO date, TRUE, #N/A), never neutralised: the file imports back as it is.
 */
async function writeWorkbookRows(
  source: InputSource,
  workbook: WorkbookSource,
  spans: AsyncIterable<LineSpan> | Iterable<LineSpan>,
  outPath: string,
  mode: number,
): Promise<number> {
  const wanted = Symbol.asyncIterator in spans ? spans[Symbol.asyncIterator]() : spans[Symbol.iterator]();
  let next = await wanted.next();
  let header = true;
  let written = 0;
  const out = await open(outPath, 'w', mode);
  try {
    await out.chmod(mode); // `open` applies the mode only when it creates the file
    // Loaded on use, as the records' reader does: a CSV run never loads yauzl or saxes.
    const { readWorkbookBatches } = await import('../../input/workbook.js');
    const batches = readWorkbookBatches(source, workbook, undefined);
    for await (const records of batches) {
      let text = '';
      for (const record of records) {
        if (record.kind !== 'record') continue;
        if (!header) {
          while (next.done !== true && next.value.line < record.line) next = await wanted.next();
          if (next.done === true) break;
          if (next.value.line !== record.line) continue;
          written++;
        }
        header = false;
        text += csvLine(record.cells, { neutralise: false });
      }
      if (text !== '') await out.writeFile(text);
      if (next.done === true && !header) {
        await batches.return(undefined);
        break;
      }
    }
    return written;
  } finally {
    await out.close();
  }
}
