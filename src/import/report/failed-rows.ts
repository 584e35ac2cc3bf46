/** failed.csv: a CSV input's failed records copied as bytes, a workbook's written as UTF-8 CSV. */
import { open } from 'node:fs/promises';
import { copyRecordSpans } from '../../input/failed-copy.js';
import type { InputSource } from '../../input/source.js';
import { csvLine } from '../../report/csv.js';
import type { LineSpan } from '../../types.js';

/** Returns the rows written. A workbook's cells as the reader saw them, never neutralised: the file imports back as it is. */
export async function writeFailedRows(
  source: InputSource,
  header: LineSpan,
  spans: AsyncIterable<LineSpan> | Iterable<LineSpan>,
  outPath: string,
  mode: number,
): Promise<number> {
  if (source.workbook === null) return copyRecordSpans(source, header, spans, outPath, { mode });
  const wanted = Symbol.asyncIterator in spans ? spans[Symbol.asyncIterator]() : spans[Symbol.iterator]();
  let next = await wanted.next();
  let atHeader = true;
  let written = 0;
  const out = await open(outPath, 'w', mode);
  try {
    await out.chmod(mode); // `open` applies the mode only when it creates the file
    // Loaded on use, as the records' reader does: a CSV run never loads yauzl or saxes.
    const { readWorkbookBatches } = await import('../../input/workbook.js');
    const batches = readWorkbookBatches(source, source.workbook, undefined);
    for await (const records of batches) {
      let text = '';
      for (const record of records) {
        if (record.kind !== 'record') continue;
        if (!atHeader) {
          while (next.done !== true && next.value.line < record.line) next = await wanted.next();
          if (next.done === true) break;
          if (next.value.line !== record.line) continue;
          written++;
        }
        atHeader = false;
        text += csvLine(record.cells, { neutralise: false });
      }
      if (text !== '') await out.writeFile(text);
      if (next.done === true && !atHeader) {
        await batches.return(undefined);
        break;
      }
    }
    return written;
  } finally {
    await out.close();
  }
}
