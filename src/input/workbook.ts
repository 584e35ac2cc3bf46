/**
 * An .xlsx input, recognised by its content: opened and described once (`openWorkbook`), then its
 * sheet read as records as many times as the run needs (`readWorkbookBatches`). Loaded only for a
 * workbook: a CSV run never loads yauzl or saxes.
 */
import { UsageError } from '../errors.js';
import type { SourceRecord } from '../types.js';
import type { InputSource } from './source.js';
import { readSharedStrings } from './shared-strings.js';
import { SheetRows } from './sheet-rows.js';
import { pickSheet, readDateStyles, readLayout, WORKBOOK_PART } from './workbook-parts.js';
import { MAX_PART_BYTES, openZip, partText, smallPartText, type WorkbookZip } from './workbook-zip.js';
import { XmlEvents } from './xml-events.js';

/** What a run needs to read one sheet of a workbook again. */
export interface WorkbookSource {
  /** The sheet read. */
  sheet: string;
  /** Every worksheet, in workbook order. */
  sheets: readonly string[];
  part: string;
  sharedStrings: string | null;
  styles: string | null;
  date1904: boolean;
}

const ODS_MIMETYPE = 'application/vnd.oasis.opendocument.spreadsheet';

/** Opens the container, refuses what is not an .xlsx workbook, and resolves the sheet to read. */
export async function openWorkbook(path: string, label: string, sheet: string | undefined): Promise<WorkbookSource> {
  const zip = await openZip(path, label);
  try {
    await refuseOtherZips(zip, label);
    const layout = await readLayout(zip, label);
    const picked = pickSheet(layout, sheet, label);
    if (!zip.entries.has(picked.part)) {
      throw new UsageError(
        `${label} is damaged: sheet ${JSON.stringify(picked.name)} has no data (${picked.part} is missing)`,
        'damaged_workbook',
      );
    }
    return {
      sheet: picked.name,
      sheets: layout.sheets.map((s) => s.name),
      part: picked.part,
      sharedStrings: layout.sharedStrings,
      styles: layout.styles,
      date1904: layout.date1904,
    };
  } finally {
    zip.file.close();
  }
}

async function refuseOtherZips(zip: WorkbookZip, label: string): Promise<void> {
  if (zip.entries.has(WORKBOOK_PART)) return;
  if (zip.entries.has('mimetype') && (await smallPartText(zip, 'mimetype', label)).trim() === ODS_MIMETYPE) {
    throw new UsageError(
      `${label} is an OpenDocument spreadsheet (.ods), which is not read: save it as .xlsx (Excel 2007-365) or as CSV UTF-8, and import that`,
      'unsupported_input',
    );
  }
  if (zip.entries.has('xl/workbook.bin')) {
    throw new UsageError(
      `${label} is an Excel binary workbook (.xlsb), which is not read: save it as .xlsx, and import that`,
      'unsupported_input',
    );
  }
  throw new UsageError(
    `${label} is a ZIP archive that holds no Excel workbook (no ${WORKBOOK_PART}): import an .xlsx workbook or a CSV file`,
    'unsupported_input',
  );
}

/** Refusal of the OLE2 container (magic D0 CF 11 E0) both legacy .xls and encrypted .xlsx are stored in. */
export function legacyOrEncrypted(label: string): UsageError {
  return new UsageError(
    `${label} is a legacy Excel workbook (.xls) or a password-protected one (both are stored the same way), which is not read: open it in Excel or LibreOffice and save it as .xlsx without a password, or as CSV UTF-8`,
    'unsupported_input',
  );
}

/**
 * The sheet's records, one array per chunk of XML inflated: the shared strings are read first
 * (from wherever the writer stored them in the ZIP), then the sheet streams through saxes.
 * `onBytes` gets the share of the sheet read, scaled to the file's size, for progress.
 */
export async function* readWorkbookBatches(
  source: InputSource,
  workbook: WorkbookSource,
  onBytes: ((bytes: number) => void) | undefined,
): AsyncGenerator<SourceRecord[]> {
  const label = source.displayPath === '-' ? 'standard input' : source.displayPath;
  const zip = await openZip(source.path, label);
  try {
    const strings = await readSharedStrings(zip, workbook.sharedStrings, label);
    const dateStyles = await readDateStyles(zip, workbook.styles, label);
    const where = `${label}, sheet ${JSON.stringify(workbook.sheet)}`;
    const rows = new SheetRows({ strings, dateStyles, date1904: workbook.date1904, where });
    const events = new XmlEvents(rows, where);
    const total = Math.max(1, zip.entries.get(workbook.part)?.uncompressedSize ?? 1);
    let seen = 0;
    for await (const text of partText(zip, workbook.part, MAX_PART_BYTES, label)) {
      events.write(text);
      seen += text.length;
      onBytes?.(Math.min(source.size, Math.round((seen / total) * source.size)));
      const records = rows.take();
      if (records.length > 0) yield records;
    }
    events.end();
    const records = rows.take();
    if (records.length > 0) yield records;
  } finally {
    zip.file.close();
  }
}
