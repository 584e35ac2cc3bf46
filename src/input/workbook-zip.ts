/**
 * The ZIP container of a workbook, through yauzl: the central directory read once, each part
 * streamed on its own (in any order, so the shared strings can be read before the sheet whatever
 * order the writer stored them in). Sizes are checked twice: the declared size before a part is
 * opened, and yauzl's `validateEntrySizes` stops a part that inflates past what it declared.
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { UsageError } from '../errors.js';

/** More entries than any workbook has (Excel's own have a few dozen): a ZIP built to exhaust us. */
const MAX_ENTRIES = 10_000;
/** What a sheet or the shared strings may inflate to: a full 1M-row sheet of a few columns is a few hundred MB. */
export const MAX_PART_BYTES = 1024 ** 3;
/** The workbook, its relationships, the styles: small parts, read whole. */
export const MAX_SMALL_PART_BYTES = 64 * 1024 ** 2;

/** An opened workbook container: its entries by name, and the open file. */
export interface WorkbookZip {
  readonly entries: ReadonlyMap<string, Entry>;
  readonly file: ZipFile;
}

/** Opens the container and reads its directory; a file yauzl cannot read as a ZIP is damaged. */
export async function openZip(path: string, label: string): Promise<WorkbookZip> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { autoClose: false, lazyEntries: true, validateEntrySizes: true });
  } catch (error) {
    throw damaged(label, error);
  }
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

/**
 * The text of one part, decoded from UTF-8 as it inflates. `limit` bounds the declared size;
 * yauzl errors the stream if the data inflates past it (a ZIP bomb that lies about its size).
 */
export async function* partText(zip: WorkbookZip, name: string, limit: number, label: string): AsyncGenerator<string> {
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
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  try {
    for await (const chunk of stream) {
      const text = decoder.decode(chunk as Buffer, { stream: true });
      if (text !== '') yield text;
    }
  } catch (error) {
    throw damaged(label, error);
  } finally {
    stream.destroy();
  }
  const rest = decoder.decode();
  if (rest !== '') yield rest;
}

/** The whole text of a small part (a few MB at most). */
export async function smallPartText(zip: WorkbookZip, name: string, label: string): Promise<string> {
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
