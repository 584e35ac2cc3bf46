/**
 * `export x.xlsx` through exceljs' streaming WorkbookWriter: Text cells (`@`, so Excel keeps `+49…`
 * when a value is typed again), no `'` needed (a text cell is never run as a formula).
 */
import { Writable } from 'node:stream';
import type { Conversation } from '../types.js';
import { EXPORT_COLUMNS } from './options.js';
import { expectTempFile, openTarget, type RowSink } from './write.js';

/** In characters: a UUID, a phone or e-mail, a date-time show whole. */
const WIDTHS: Record<(typeof EXPORT_COLUMNS)[number], number> = {
  id: 38,
  channel: 12,
  customer_identifier: 28,
  status: 10,
  customer_name: 28,
  customer_language: 10,
  created_at: 26,
};

export function isWorkbookName(file: string): boolean {
  return file.toLowerCase().endsWith('.xlsx');
}

export async function openWorkbookSink(target: string): Promise<RowSink> {
  const file = await openTarget(target);
  // exceljs is large: loaded on use.
  const { default: ExcelJS } = await import('exceljs');
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        file.writeBytes(chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  let failure: Error | null = null;
  stream.on('error', (error) => {
    failure ??= error;
  });
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  const sheet = writer.addWorksheet('conversations', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = EXPORT_COLUMNS.map((key) => ({ key, width: WIDTHS[key], style: { numFmt: '@' } }));
  const check = async (): Promise<void> => {
    if (failure !== null) throw failure;
    await expectTempFile(file);
  };
  return {
    target,
    header: async () => {
      sheet.addRow([...EXPORT_COLUMNS]).commit();
    },
    rows: async (conversations) => {
      for (const c of conversations) sheet.addRow(EXPORT_COLUMNS.map((column) => cellOf(c, column))).commit();
      await check();
    },
    commit: async () => {
      sheet.commit();
      await writer.commit();
      await check();
      await file.commit();
    },
    discard: async () => {
      stream.destroy();
      await file.discard();
    },
  };
}

function cellOf(c: Conversation, column: (typeof EXPORT_COLUMNS)[number]): string | null {
  const value = c[column];
  return value === null || value === undefined ? null : xstring(String(value));
}

/** ECMA-376 §22.9.2.19 (ST_Xstring): XML cannot carry a CR nor most control characters, so `_xHHHH_`. */
export function xstring(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const control = code < 0x20 && code !== 0x09 && code !== 0x0a;
    const escapeLike = code === 0x5f && /^x[0-9A-Fa-f]{4}_/.test(text.slice(i + 1, i + 7));
    if (!control && !escapeLike) continue;
    out += `${text.slice(from, i)}_x${code.toString(16).toUpperCase().padStart(4, '0')}_`;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
