// An .xlsx input: described once (`openWorkbook`), then its sheet read as records as often as the
// run needs (`readWorkbookBatches`). Why this reader: CONTRIBUTING.md, "Decisions: workbooks".
import path from 'node:path/posix';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { UsageError } from '../errors.js';
import type { SourceRecord } from '../types.js';
import type { InputSource } from './source.js';
import { readSharedStrings } from './shared-strings.js';
import { SheetRows } from './sheet-rows.js';
import { parsePart, XmlEvents, type XmlHandlers } from './xml-events.js';

/** What a run needs to read the sheet again. */
export interface WorkbookSource {
  /** The sheet read. */
  sheet: string;
  /** In workbook order. */
  sheets: readonly string[];
  part: string;
  sharedStrings: string | null;
  /** Per cell style (`s`), whether it shows a date. */
  dateStyles: readonly boolean[];
  date1904: boolean;
}

const ODS_MIMETYPE = 'application/vnd.oasis.opendocument.spreadsheet';
const WORKBOOK_PART = 'xl/workbook.xml';
const RELS_PART = 'xl/_rels/workbook.xml.rels';

/** Refuses what is not an .xlsx workbook and resolves the sheet. */
export async function openWorkbook(file: string, label: string, wanted: string | undefined): Promise<WorkbookSource> {
  const zip = await openZip(file, label);
  try {
    await refuseOtherZips(zip, label);
    const { sheets, styles, ...parts } = await readLayout(zip, label);
    const picked = pickSheet(sheets, wanted, label);
    if (!zip.entries.has(picked.part)) {
      throw new UsageError(
        `${label} is damaged: sheet ${JSON.stringify(picked.name)} has no data (${picked.part} is missing)`,
        'damaged_workbook',
      );
    }
    const dateStyles = await readDateStyles(zip, styles, label);
    return { sheet: picked.name, sheets: sheets.map((s) => s.name), part: picked.part, dateStyles, ...parts };
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

/** One array per chunk inflated; `onBytes` gets the share of the sheet read, scaled to the file's size. */
export async function* readWorkbookBatches(
  source: InputSource,
  workbook: WorkbookSource,
  onBytes: ((bytes: number) => void) | undefined,
): AsyncGenerator<SourceRecord[]> {
  const label = source.displayPath === '-' ? 'standard input' : source.displayPath;
  const zip = await openZip(source.path, label);
  try {
    const part = workbook.sharedStrings;
    const xml = part === null ? null : partText(zip, part, MAX_PART_BYTES, label);
    const strings = await readSharedStrings(xml, label, `${label} (${part})`);
    const where = `${label}, sheet ${JSON.stringify(workbook.sheet)}`;
    const rows = new SheetRows({ strings, dateStyles: workbook.dateStyles, date1904: workbook.date1904, where });
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

/** The sheets in workbook order and where each part is stored. */
async function readLayout(zip: WorkbookZip, label: string) {
  const targets = new Map<string, { type: string; target: string }>();
  if (zip.entries.has(RELS_PART)) {
    await parseWhole(zip, RELS_PART, label, {
      open: (name, a) => {
        if (name === 'Relationship' && a.Id !== undefined && a.Target !== undefined)
          targets.set(a.Id, { type: a.Type ?? '', target: resolveTarget(a.Target) });
      },
    });
  }
  const listed: { name: string; rel: string | undefined }[] = [];
  let date1904 = false;
  await parseWhole(zip, WORKBOOK_PART, label, {
    open: (name, a) => {
      if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
      else if (name === 'sheet' && a.name !== undefined) listed.push({ name: a.name, rel: relId(a) });
    },
  });
  const byType = (suffix: string): string | null =>
    [...targets.values()].find((t) => t.type.endsWith(suffix) && zip.entries.has(t.target))?.target ?? null;
  const sheets = listed.flatMap(({ name, rel }) => {
    const target = rel === undefined ? undefined : targets.get(rel);
    return target?.type.endsWith('/worksheet') ? [{ name, part: target.target }] : [];
  });
  return { sheets, sharedStrings: byType('/sharedStrings'), styles: byType('/styles'), date1904 };
}

/** For each cell style (an index into cellXfs), whether its number format shows a date or time. */
async function readDateStyles(zip: WorkbookZip, part: string | null, label: string): Promise<readonly boolean[]> {
  if (part === null) return [];
  const custom = new Map<string, string>();
  const xfFormats: string[] = [];
  let inCellXfs = false;
  await parseWhole(zip, part, label, {
    open: (name, a) => {
      if (name === 'numFmt' && a.numFmtId !== undefined) custom.set(a.numFmtId, a.formatCode ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) xfFormats.push(a.numFmtId ?? '0');
    },
    close: (name) => {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return xfFormats.map((id) => {
    const code = custom.get(id);
    return code === undefined ? BUILT_IN_DATE_FORMATS.has(Number(id)) : isDateFormat(code);
  });
}

/** ECMA-376 §18.8.30 (27–36 and 50–58 in East Asian locales). */
const BUILT_IN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58,
]);

/** d, m, y, h or s outside quoted text, escapes and [colour] tags. */
function isDateFormat(code: string): boolean {
  const bare = code
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[(?![hms]+\])[^\]]*\]/gi, '');
  return /[dmyhs]/i.test(bare);
}

function relId(attributes: Readonly<Record<string, string>>): string | undefined {
  for (const [key, value] of Object.entries(attributes)) if (key === 'id' || key.endsWith(':id')) return value;
  return undefined;
}

/** A relationship target is relative to xl/ unless it starts with `/` (the package root). */
function resolveTarget(target: string): string {
  return target.startsWith('/') ? target.slice(1) : path.normalize(path.join('xl', target));
}

async function parseWhole(zip: WorkbookZip, part: string, label: string, handlers: XmlHandlers): Promise<void> {
  await parsePart(partText(zip, part, MAX_SMALL_PART_BYTES, label), handlers, `${label} (${part})`);
}

function pickSheet<S extends { name: string }>(sheets: readonly S[], wanted: string | undefined, label: string): S {
  if (wanted === undefined) {
    const first = sheets[0];
    if (first === undefined) throw new UsageError(`${label} holds no worksheet: nothing to import`, 'damaged_workbook');
    return first;
  }
  const found = sheets.find((s) => s.name === wanted) ?? sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase());
  if (found === undefined) {
    const names = sheets.map((s) => JSON.stringify(s.name)).join(', ');
    throw new UsageError(`${label} has no sheet ${JSON.stringify(wanted)}; its sheets: ${names}`, 'unknown_sheet');
  }
  return found;
}

/** Excel's own workbooks have a few dozen entries. */
const MAX_ENTRIES = 10_000;
/** A full 1M-row sheet of a few columns is a few hundred MB. */
const MAX_PART_BYTES = 1024 ** 3;
/** The workbook, its relationships, the styles. */
const MAX_SMALL_PART_BYTES = 64 * 1024 ** 2;

type WorkbookZip = { readonly entries: ReadonlyMap<string, Entry>; readonly file: ZipFile };

async function openZip(path: string, label: string): Promise<WorkbookZip> {
  const zip = await yauzl.openPromise(path, { autoClose: false, lazyEntries: true, validateEntrySizes: true }).catch((error: unknown) => {
    throw damaged(label, error);
  });
  try {
    if (zip.entryCount > MAX_ENTRIES) {
      throw new UsageError(`${label} holds ${zip.entryCount} ZIP entries, more than a workbook has: it is not read`, 'workbook_limit');
    }
    const entries = await readDirectory(zip, label);
    return { entries, file: zip };
  } catch (error) {
    zip.close();
    throw error;
  }
}

function readDirectory(zip: ZipFile, label: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: unknown) => reject(damaged(label, error)));
    zip.readEntry();
  });
}

/** `limit` bounds the declared size; yauzl errors the stream if the data inflates past it. */
async function* partText(zip: WorkbookZip, name: string, limit: number, label: string): AsyncGenerator<string> {
  const entry = zip.entries.get(name);
  if (entry === undefined) throw new UsageError(`${label} is damaged: its part ${name} is missing`, 'damaged_workbook');
  if (entry.uncompressedSize > limit) {
    throw new UsageError(
      `${label}: its part ${name} would unpack to ${entry.uncompressedSize} bytes, over the ${limit}-byte limit; save the sheet as CSV UTF-8 instead`,
      'workbook_limit',
    );
  }
  if (entry.isEncrypted() || !entry.canDecodeFileData()) {
    throw new UsageError(
      `${label} is damaged: its part ${name} is encrypted or compressed in a way workbooks never are`,
      'damaged_workbook',
    );
  }
  const stream = await zip.file.openReadStreamPromise(entry).catch((error: unknown) => {
    throw damaged(label, error);
  });
  stream.setEncoding('utf8');
  try {
    yield* stream as AsyncIterable<string>;
  } catch (error) {
    throw damaged(label, error);
  }
}

async function smallPartText(zip: WorkbookZip, name: string, label: string): Promise<string> {
  let text = '';
  for await (const chunk of partText(zip, name, MAX_SMALL_PART_BYTES, label)) text += chunk;
  return text;
}

function damaged(label: string, error: unknown): UsageError {
  if (error instanceof UsageError) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new UsageError(
    `${label} is a damaged workbook (${why}); open it in Excel or LibreOffice and save it again as .xlsx`,
    'damaged_workbook',
    { cause: error },
  );
}
