/** The export's CSV: formula-like cells get a leading `'`, which the import strips again (values.ts cleanCell). */
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { csvLine } from '../report/csv.js';
import { AtomicFileWriter } from '../report/files.js';
import type { Conversation, Delimiter } from '../types.js';
import { EXPORT_COLUMNS, type ExportOptions } from './options.js';

/** Excel on Windows reads UTF-8 only with it. */
const BOM = '\uFEFF';

export function headerLine(delimiter: Delimiter): string {
  return csvLine(EXPORT_COLUMNS, { neutralise: false, delimiter });
}

export function rowLine(c: Conversation, delimiter: Delimiter): string {
  return csvLine(
    EXPORT_COLUMNS.map((column) => c[column]),
    { neutralise: true, delimiter },
  );
}

/** Where exported rows go: CSV (a file or a stream) or a workbook (workbook-sink.ts). */
export interface RowSink {
  /** Null for a stream. */
  readonly target: string | null;
  header(): Promise<void>;
  rows(conversations: readonly Conversation[]): Promise<void>;
  commit(): Promise<void>;
  /** A stream cannot take back what it sent. */
  discard(): Promise<void>;
}

/** Opened before the scan, so a missing folder is a usage error before any request. */
export async function openTarget(target: string): Promise<AtomicFileWriter> {
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`cannot write ${target}: it is a directory`, 'bad_output');
  const file = new AtomicFileWriter(target);
  try {
    file.open();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot write ${target}: ${code} (does its folder exist, and may we write there?)`, 'bad_output', {
      cause: error,
    });
  }
  return file;
}

/** Writes to a temp file someone removed succeed and go nowhere: stop at the page, not at the rename. */
export async function expectTempFile(file: AtomicFileWriter): Promise<void> {
  if ((await stat(file.tempPath).catch(() => null)) === null) {
    throw Object.assign(new Error(`${file.tempPath} was removed`), { code: 'ENOENT' });
  }
}

type CsvFormat = Pick<ExportOptions, 'delimiter' | 'bom'>;

export async function csvFileSink(target: string, csv: CsvFormat): Promise<RowSink> {
  const file = await openTarget(target);
  const write = async (text: string): Promise<void> => {
    file.write(text);
    await expectTempFile(file);
  };
  return csvSink({ target, write, commit: () => file.commit(), discard: () => file.discard() }, csv);
}

/** Each write waits until the stream took the chunk: backpressure. */
export function csvStreamSink(stream: NodeJS.WritableStream, csv: CsvFormat): RowSink {
  // A closed pipe surfaces as the write callback's error; an unheard 'error' event would crash.
  const ignore = (): void => undefined;
  stream.on('error', ignore);
  const done = async (): Promise<void> => {
    stream.removeListener('error', ignore);
  };
  const write = (text: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      stream.write(text, (error?: Error | null) => (error ? reject(error) : resolve()));
    });
  return csvSink({ target: null, write, commit: done, discard: done }, csv);
}

function csvSink(out: Pick<RowSink, 'target' | 'commit' | 'discard'> & { write(text: string): Promise<void> }, csv: CsvFormat): RowSink {
  return {
    target: out.target,
    header: () => out.write((csv.bom ? BOM : '') + headerLine(csv.delimiter)),
    rows: async (conversations) => {
      let chunk = '';
      for (const c of conversations) chunk += rowLine(c, csv.delimiter);
      if (chunk !== '') await out.write(chunk);
    },
    commit: out.commit,
    discard: out.discard,
  };
}
