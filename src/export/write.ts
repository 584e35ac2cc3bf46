/**
 * The export's bytes: RFC 4180 lines (CRLF), formula-like cells neutralised with a leading `'`
 * (import strips exactly that `'` again, values.ts cleanCell), and where they go.
 */
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { csvLine } from '../report/csv.js';
import { AtomicFileWriter } from '../report/files.js';
import type { Conversation, Delimiter } from '../types.js';
import { EXPORT_COLUMNS } from './options.js';

/** UTF-8 byte order mark: Excel on Windows reads the file as UTF-8 only with it. */
export const BOM = '\uFEFF';

export function headerLine(delimiter: Delimiter): string {
  return csvLine(EXPORT_COLUMNS, { neutralise: false, delimiter });
}

/** One conversation as a CSV line; null fields are empty cells. */
export function rowLine(c: Conversation, delimiter: Delimiter): string {
  return csvLine(
    EXPORT_COLUMNS.map((column) => c[column]),
    { neutralise: true, delimiter },
  );
}

/** Where exported rows go: CSV text (a file or a stream) or a workbook (workbook-sink.ts). */
export interface RowSink {
  /** The path the file will have, or null for a stream. */
  readonly target: string | null;
  header(): Promise<void>;
  rows(conversations: readonly Conversation[]): Promise<void>;
  /** Makes the output final (the file appears under its name). */
  commit(): Promise<void>;
  /** Drops the output (the temp file is removed; a stream cannot take back what it sent). */
  discard(): Promise<void>;
}

/** Rows as CSV lines into a CSV sink, one write per page. */
export function csvRows(sink: CsvSink, opts: { delimiter: Delimiter; bom: boolean }): RowSink {
  return {
    target: sink.target,
    header: () => sink.write((opts.bom ? BOM : '') + headerLine(opts.delimiter)),
    rows: async (conversations) => {
      let chunk = '';
      for (const c of conversations) chunk += rowLine(c, opts.delimiter);
      if (chunk !== '') await sink.write(chunk);
    },
    commit: () => sink.commit(),
    discard: () => sink.discard(),
  };
}

/** Where the CSV goes: a file that appears only when complete, or a stream. */
export interface CsvSink {
  /** The path the file will have, or null for a stream. */
  readonly target: string | null;
  write(text: string): Promise<void>;
  /** Makes the output final (the file appears under its name). */
  commit(): Promise<void>;
  /** Drops the output (the temp file is removed; a stream cannot take back what it sent). */
  discard(): Promise<void>;
}

/**
 * A file written as a hidden temp beside the target (mode 0600: customer data) and renamed onto it
 * on success only. Opened before the scan starts, so a missing folder is a usage error before any request.
 */
export async function openFileSink(target: string): Promise<CsvSink> {
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`cannot write ${target}: it is a directory`, 'bad_output');
  const writer = new AtomicFileWriter(target);
  try {
    await writer.open();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot write ${target}: ${code} (does its folder exist, and may we write there?)`, 'bad_output', {
      cause: error,
    });
  }
  return {
    target,
    write: async (text) => {
      await writer.write(text);
      // Writes to a temp file someone removed succeed and go nowhere: stop at the page, not at the rename.
      if ((await stat(writer.tempPath).catch(() => null)) === null) {
        throw Object.assign(new Error(`${writer.tempPath} was removed`), { code: 'ENOENT' });
      }
    },
    commit: () => writer.commit(),
    discard: () => writer.discard(),
  };
}

/** A stream (stdout). Each write waits until the stream took the chunk: backpressure, one page at a time. */
export function streamSink(stream: NodeJS.WritableStream): CsvSink {
  // A closed pipe (`| head`) surfaces as the write callback's error; without a listener the
  // 'error' event would crash the process instead.
  const ignore = (): void => undefined;
  stream.on('error', ignore);
  const done = (): Promise<void> => {
    stream.removeListener('error', ignore);
    return Promise.resolve();
  };
  return {
    target: null,
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        stream.write(text, (error?: Error | null) => (error ? reject(error) : resolve()));
      }),
    commit: done,
    discard: done,
  };
}
