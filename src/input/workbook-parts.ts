/**
 * The small parts of a workbook: its sheets in workbook order (xl/workbook.xml), where each sheet,
 * the shared strings and the styles are stored (xl/_rels/workbook.xml.rels), the date system, and
 * which cell styles are dates (xl/styles.xml), so a date cell is shown as a date, not a serial number.
 */
import path from 'node:path/posix';
import { UsageError } from '../errors.js';
import { parsePart, type XmlHandlers } from './xml-events.js';
import { smallPartText, type WorkbookZip } from './workbook-zip.js';

export const WORKBOOK_PART = 'xl/workbook.xml';
const RELS_PART = 'xl/_rels/workbook.xml.rels';

/** Where the parts of a workbook are, and how to read its numbers. */
export interface WorkbookLayout {
  /** Worksheets in workbook order (chart sheets left out). */
  sheets: readonly { name: string; part: string }[];
  sharedStrings: string | null;
  styles: string | null;
  /** Dates count from 1904-01-01 (old Mac workbooks), not 1900. */
  date1904: boolean;
}

/** Reads workbook.xml and its relationships. */
export async function readLayout(zip: WorkbookZip, label: string): Promise<WorkbookLayout> {
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

/**
 * For each cell style (`s` of a cell, an index into cellXfs), whether its number format shows a
 * date or a time: Excel's built-in date formats, or a format code with date/time letters.
 */
export async function readDateStyles(zip: WorkbookZip, part: string | null, label: string): Promise<readonly boolean[]> {
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

/** ECMA-376 §18.8.30: the built-in formats that show dates or times (14–22, 45–47; 27–36 and 50–58 in East Asian locales). */
const BUILT_IN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58,
]);

/** A format code shows a date or time when, outside quoted text, escapes and [colour] tags, it has d, m, y, h or s. */
export function isDateFormat(code: string): boolean {
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
  await parsePart([await smallPartText(zip, part, label)], handlers, `${label} (${part})`);
}

/** The sheet to read: the first, or the one named (the message lists the sheets there are). */
export function pickSheet(layout: WorkbookLayout, wanted: string | undefined, label: string): { name: string; part: string } {
  const names = layout.sheets.map((s) => JSON.stringify(s.name)).join(', ');
  if (wanted === undefined) {
    const first = layout.sheets[0];
    if (first === undefined) throw new UsageError(`${label} holds no worksheet: nothing to import`, 'damaged_workbook');
    return first;
  }
  const found = layout.sheets.find((s) => s.name === wanted) ?? layout.sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase());
  if (found === undefined) throw new UsageError(`${label} has no sheet ${JSON.stringify(wanted)}; its sheets: ${names}`, 'unknown_sheet');
  return found;
}
