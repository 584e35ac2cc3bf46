import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors.js';
import type { Delimiter, InputEncoding, LineEnding } from '../types.js';
import { createDecoder } from './decode.js';
import { HeaderSniffer } from './sniff.js';
import type { WorkbookSource } from './workbook.js';

/** An input file, checked and described by one pass over its bytes. */
export interface InputSource {
  /** File to read (for stdin: the spool file). */
  path: string;
  /** What the user typed (`-` for stdin). */
  displayPath: string;
  encoding: InputEncoding;
  /** The BOM bytes found at the start (empty if none); kept for failed.csv. */
  bom: Buffer;
  delimiter: Delimiter;
  /** The file starts with Excel's `sep=` line (it named the delimiter, unless one was forced): not the header. */
  sepLine: boolean;
  /** The first line break seen in the file (`\n` when there is none). */
  lineEnding: LineEnding;
  /** Hex SHA-256 of the whole input bytes, BOM included. */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** An .xlsx workbook (recognised by its content) and the sheet read; null for CSV. Its failed.csv is UTF-8 CSV. */
  workbook: WorkbookSource | null;
}

export interface OpenInputOptions {
  /** A file path, or `-` for stdin. */
  path: string;
  /** Read when `path` is `-`. */
  stdin?: NodeJS.ReadableStream;
  /** Where stdin is copied (created with mode 0600), so it can be read twice; required for `-`. */
  spoolPath?: string;
  /** Forced; else by BOM (UTF-8, UTF-16 LE/BE), else UTF-8. UTF-16 without a BOM is not detected. A workbook with one is a usage error. */
  encoding?: InputEncoding | undefined;
  /** Forced; else the most frequent of `,` `;` tab outside quotes in the header (ties/none → `,`). A workbook with one is a usage error. */
  delimiter?: Delimiter | undefined;
  /** The worksheet to read from a workbook; the first when absent. A CSV input with one is a usage error. */
  sheet?: string | undefined;
}

/** Reads of the hashing pass. */
const HASH_READ_BYTES = 256 * 1024;

const BOMS: readonly { encoding: InputEncoding; bytes: Buffer }[] = [
  { encoding: 'utf-8', bytes: Buffer.from([0xef, 0xbb, 0xbf]) },
  { encoding: 'utf-16le', bytes: Buffer.from([0xff, 0xfe]) },
  { encoding: 'utf-16be', bytes: Buffer.from([0xfe, 0xff]) },
];

/** Opens and checks the input in one pass over its bytes; its content says whether it is a CSV file or a workbook. */
export async function openInput(opts: OpenInputOptions): Promise<InputSource> {
  const displayPath = opts.path;
  const label = displayPath === '-' ? 'standard input' : displayPath;
  const path = displayPath === '-' ? await spoolStdin(opts) : displayPath;
  const head = await readHead(path, label);
  const container = containerOf(head);
  return container === null
    ? openCsvInput(path, displayPath, label, head, opts)
    : openWorkbookInput(path, displayPath, label, container, opts);
}

/** A CSV file: hash, BOM, first line ending and header delimiter in one pass. */
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
    // Once the header and the first line break are known, the rest only needs hashing.
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

/** The first bytes of the file: enough for a container's magic number or a BOM. */
async function readHead(path: string, label: string): Promise<Buffer> {
  const info = await stat(path).catch((error: unknown) => {
    throw unreadable(label, error);
  });
  if (info.isDirectory()) throw new UsageError(`${label} is a directory, not a CSV file`, 'unreadable_input');
  const head = Buffer.alloc(4);
  try {
    const file = await open(path, 'r');
    const { bytesRead } = await file.read(head, 0, 4, 0).finally(() => file.close());
    return head.subarray(0, bytesRead);
  } catch (error) {
    throw unreadable(label, error);
  }
}

/** The content decides, not the name: a ZIP (PK\x03\x04, or an empty one) or an OLE2 container (D0 CF 11 E0). */
function containerOf(head: Buffer): 'zip' | 'ole2' | null {
  const magic = head.toString('hex');
  if (magic === '504b0304' || magic === '504b0506') return 'zip';
  return magic === 'd0cf11e0' ? 'ole2' : null;
}

/**
 * Reads the whole file once and hashes it (the SHA-256 a resume and the report command check);
 * `onChunk` sees each chunk. One buffer for every read: a buffer per chunk is garbage the GC frees
 * late, at the scale of the file (tens of MB of RSS at 1 GB); the hash and the decoder copy what they keep.
 */
async function hashFile(path: string, label: string, onChunk?: (bytes: Buffer) => void): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(HASH_READ_BYTES);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        const bytes = buffer.subarray(0, bytesRead);
        hash.update(bytes);
        size += bytesRead;
        onChunk?.(bytes);
      }
    } finally {
      await file.close();
    }
  } catch (error) {
    throw error instanceof UsageError ? error : unreadable(label, error);
  }
  return { sha256: hash.digest('hex'), size };
}

/** A workbook: hashed whole (a resume and the report command check it is the same file), then described. */
async function openWorkbookInput(
  path: string,
  displayPath: string,
  label: string,
  container: 'zip' | 'ole2',
  opts: OpenInputOptions,
): Promise<InputSource> {
  if (container === 'ole2') throw legacyOrEncrypted(label);
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
  // failed.csv from a workbook is UTF-8 CSV with CRLF: these describe it, not the workbook.
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

/** Refusal of the OLE2 container (magic D0 CF 11 E0) both legacy .xls and encrypted .xlsx are stored in. */
function legacyOrEncrypted(label: string): UsageError {
  return new UsageError(
    `${label} is a legacy Excel workbook (.xls) or a password-protected one (both are stored the same way), which is not read: open it in Excel or LibreOffice and save it as .xlsx without a password, or as CSV UTF-8`,
    'unsupported_input',
  );
}

/** The BOM decides unless the user forced an encoding; a BOM that contradicts the forced one is an error. */
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

/** Copies stdin to a private spool file: it is read twice (this pass, then the records) and for failed.csv. */
async function spoolStdin(opts: OpenInputOptions): Promise<string> {
  if (opts.spoolPath === undefined || opts.stdin === undefined) {
    throw new UsageError('reading standard input (-) needs a spool file and a stdin stream', 'no_input');
  }
  try {
    // Create (or truncate) it private first: `mode` alone applies only to a new file.
    const handle = await open(opts.spoolPath, 'w', 0o600);
    await handle.chmod(0o600).finally(() => handle.close());
    await pipeline(opts.stdin, createWriteStream(opts.spoolPath, { flags: 'w', mode: 0o600 }));
  } catch (error) {
    throw unreadable(`standard input (spooling to ${opts.spoolPath})`, error);
  }
  return opts.spoolPath;
}

/** What an errno means to someone who typed the path. */
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
