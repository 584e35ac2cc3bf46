import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors.js';
import type { Delimiter, InputEncoding, LineEnding } from '../types.js';
import { createDecoder } from './decode.js';
import { readFileChunks } from './records.js';
import { HeaderSniffer } from './sniff.js';
import type { WorkbookSource } from './workbook.js';

/** An input file, checked and described by one pass over its bytes. */
export interface InputSource {
  /** For stdin: the spool file. */
  path: string;
  /** What the user typed (`-` for stdin). */
  displayPath: string;
  encoding: InputEncoding;
  /** The BOM found (empty if none); failed.csv starts with it. */
  bom: Buffer;
  delimiter: Delimiter;
  /** The file starts with Excel's `sep=` line: not the header. */
  sepLine: boolean;
  /** The first line break in the file (`\n` when there is none). */
  lineEnding: LineEnding;
  /** Of the whole file, BOM included: a resume and the report command check it. */
  sha256: string;
  size: number;
  /** Null for CSV. A workbook's failed.csv is UTF-8 CSV with CRLF, which the fields above then describe. */
  workbook: WorkbookSource | null;
}

export interface OpenInputOptions {
  /** A file path, or `-` for stdin. */
  path: string;
  stdin?: NodeJS.ReadableStream;
  /** Where stdin is copied (mode 0600) to be read again; required for `-`. */
  spoolPath?: string;
  /** Forced; else by BOM, else UTF-8. */
  encoding?: InputEncoding | undefined;
  /** Forced; else detected from the header. */
  delimiter?: Delimiter | undefined;
  /** A workbook's worksheet; the first when absent. */
  sheet?: string | undefined;
}

const HASH_READ_BYTES = 256 * 1024;

const BOMS: readonly { encoding: InputEncoding; bytes: Buffer }[] = [
  { encoding: 'utf-8', bytes: Buffer.from([0xef, 0xbb, 0xbf]) },
  { encoding: 'utf-16le', bytes: Buffer.from([0xff, 0xfe]) },
  { encoding: 'utf-16be', bytes: Buffer.from([0xfe, 0xff]) },
];

/** Opens and checks the input; its content, not its name, says whether it is CSV or a workbook. */
export async function openInput(opts: OpenInputOptions): Promise<InputSource> {
  const displayPath = opts.path;
  const label = displayPath === '-' ? 'standard input' : displayPath;
  const path = displayPath === '-' ? await spoolStdin(opts) : displayPath;
  const head = await readHead(path, label);
  const magic = head.toString('hex');
  if (magic === 'd0cf11e0') {
    // OLE2 holds both a legacy .xls and an encrypted .xlsx.
    throw new UsageError(
      `${label} is a legacy Excel workbook (.xls) or a password-protected one (both are stored the same way), which is not read: open it in Excel or LibreOffice and save it as .xlsx without a password, or as CSV UTF-8`,
      'unsupported_input',
    );
  }
  const isZip = magic === '504b0304' || magic === '504b0506';
  return isZip ? openWorkbookInput(path, displayPath, label, opts) : openCsvInput(path, displayPath, label, head, opts);
}

/** Hash, BOM, first line ending and header delimiter in one pass. */
async function openCsvInput(path: string, displayPath: string, label: string, head: Buffer, opts: OpenInputOptions): Promise<InputSource> {
  if (opts.sheet !== undefined) {
    throw new UsageError(
      `--sheet ${JSON.stringify(opts.sheet)} names a worksheet, but ${label} is a CSV file, not a workbook`,
      'conflicting_options',
    );
  }
  const { encoding, bom } = pickEncoding(head, opts.encoding, label);
  const decoder = createDecoder(encoding);
  const sniffer = new HeaderSniffer(opts.delimiter);
  // The decoders never see the BOM, so it cannot leak into the first header name.
  let skip = bom.length;
  const { sha256, size } = await hashFile(path, label, (bytes) => {
    if (!sniffer.done) sniffer.push(decoder.write(bytes.subarray(skip)));
    skip = Math.max(0, skip - bytes.length);
  });
  if (!sniffer.done) sniffer.push(decoder.end());
  sniffer.end();
  if (!sniffer.headerDone) {
    throw new UsageError(`${label} is empty: expected a header row such as id,customer_name,customer_language`, 'empty_input');
  }
  return {
    path,
    displayPath,
    encoding,
    bom,
    delimiter: sniffer.delimiter(),
    sepLine: sniffer.sepLine,
    lineEnding: sniffer.lineEnding ?? '\n',
    sha256,
    size,
    workbook: null,
  };
}

async function openWorkbookInput(path: string, displayPath: string, label: string, opts: OpenInputOptions): Promise<InputSource> {
  const csvOnly = (['encoding', 'delimiter'] as const).filter((o) => opts[o] !== undefined).map((o) => `--${o}`);
  if (csvOnly.length > 0) {
    const [them, verb] = csvOnly.length > 1 ? ['them', 'apply'] : ['it', 'applies'];
    throw new UsageError(
      `${csvOnly.join(' and ')} ${verb} to a CSV file, but ${label} is a workbook: leave ${them} out (--sheet picks the worksheet)`,
      'conflicting_options',
    );
  }
  const { sha256, size } = await hashFile(path, label);
  // Loaded on use: a CSV run never loads yauzl or saxes.
  const { openWorkbook } = await import('./workbook.js');
  const workbook = await openWorkbook(path, label, opts.sheet);
  return {
    path,
    displayPath,
    encoding: 'utf-8',
    bom: Buffer.alloc(0),
    delimiter: ',',
    sepLine: false,
    lineEnding: '\r\n',
    sha256,
    size,
    workbook,
  };
}

/** Enough for a container's magic number or a BOM. */
async function readHead(path: string, label: string): Promise<Buffer> {
  const head = Buffer.alloc(4);
  try {
    const file = await open(path, 'r');
    const { bytesRead } = await file.read(head, 0, 4, 0).finally(() => file.close());
    return head.subarray(0, bytesRead);
  } catch (error) {
    throw unreadable(label, error);
  }
}

async function hashFile(path: string, label: string, onChunk?: (bytes: Buffer) => void): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const bytes of readFileChunks(path, 0, HASH_READ_BYTES)) {
      hash.update(bytes);
      size += bytes.length;
      onChunk?.(bytes);
    }
  } catch (error) {
    throw error instanceof UsageError ? error : unreadable(label, error);
  }
  return { sha256: hash.digest('hex'), size };
}

function pickEncoding(head: Buffer, forced: InputEncoding | undefined, label: string): { encoding: InputEncoding; bom: Buffer } {
  const found = BOMS.find((b) => head.subarray(0, b.bytes.length).equals(b.bytes));
  if (found !== undefined && forced !== undefined && found.encoding !== forced) {
    throw new UsageError(
      `${label} starts with a ${found.encoding.toUpperCase()} byte order mark, but --encoding ${forced} was given: leave --encoding out, the mark is detected`,
      'encoding_mismatch',
    );
  }
  return { encoding: forced ?? found?.encoding ?? 'utf-8', bom: Buffer.from(found?.bytes ?? []) };
}

async function spoolStdin(opts: OpenInputOptions): Promise<string> {
  if (opts.spoolPath === undefined || opts.stdin === undefined) {
    throw new UsageError('reading standard input (-) needs a spool file and a stdin stream', 'no_input');
  }
  try {
    // Private before anything is written: `mode` alone applies only to a new file.
    const handle = await open(opts.spoolPath, 'w', 0o600);
    await handle.chmod(0o600).finally(() => handle.close());
    await pipeline(opts.stdin, createWriteStream(opts.spoolPath, { flags: 'w', mode: 0o600 }));
  } catch (error) {
    throw unreadable(`standard input (spooling to ${opts.spoolPath})`, error);
  }
  return opts.spoolPath;
}

const UNREADABLE: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

function unreadable(label: string, error: unknown): UsageError {
  const why =
    UNREADABLE[(error as NodeJS.ErrnoException | undefined)?.code ?? ''] ?? String((error as Error | undefined)?.message ?? error);
  return new UsageError(`cannot read ${label}: ${why}`, 'unreadable_input', { cause: error });
}
