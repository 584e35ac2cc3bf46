/**
 * A conformance corpus nobody here wrote: every file of the csv-spectrum package, read through the
 * same path the CLI reads an input (openInput, then readRecords), must give the cells of its
 * expected JSON (the header's names as keys, one object per data row).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecords } from './helpers/records.js';
import { openInput } from '../src/input/source.js';
import type { SourceRecord } from '../src/types.js';

const SPECTRUM = path.dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
const NAMES = readdirSync(path.join(SPECTRUM, 'csvs'))
  .filter((f) => f.endsWith('.csv'))
  .map((f) => f.slice(0, -'.csv'.length))
  .sort();

/** What the package expects for a file, as an array of rows (one file holds a bare object, csv-spectrum issue #22). */
function expectedRows(name: string): Record<string, string>[] {
  const json = JSON.parse(readFileSync(path.join(SPECTRUM, 'json', `${name}.json`), 'utf8')) as
    | Record<string, string>
    | Record<string, string>[];
  const rows = Array.isArray(json) ? json : [json];
  if (name === 'location_coordinates') {
    // csv-spectrum issue #20: its JSON expects the phone number 1234567890, but the CSV holds
    // 2095257564. The CSV is the input, so the corrected value is what a reader must give.
    expect(rows[0]?.['Contact Phone Number']).toBe('1234567890');
    rows[0] = { ...rows[0], 'Contact Phone Number': '2095257564' };
  }
  return rows;
}

async function readThroughOurReader(name: string): Promise<SourceRecord[]> {
  const source = await openInput({ path: path.join(SPECTRUM, 'csvs', `${name}.csv`) });
  const records: SourceRecord[] = [];
  for await (const record of readRecords(source)) records.push(record);
  return records;
}

describe('csv-spectrum', () => {
  it('has the files this test was written against', () => {
    expect(NAMES).toEqual(
      expect.arrayContaining(['comma_in_quotes', 'empty', 'empty_crlf', 'escaped_quotes', 'json', 'location_coordinates', 'newlines']),
    );
    expect(NAMES).toEqual(expect.arrayContaining(['newlines_crlf', 'quotes_and_newlines', 'simple', 'simple_crlf', 'utf8']));
  });

  it.each(NAMES)('%s.csv reads as its expected JSON', async (name) => {
    const [header, ...rows] = await readThroughOurReader(name);
    if (header?.kind !== 'record') throw new Error(`${name}: no header record`);
    const objects = rows.map((r) => {
      if (r.kind !== 'record') throw new Error(`${name}: line ${r.line} is ${r.code}`);
      expect(r.cells, `line ${r.line}`).toHaveLength(header.cells.length);
      return Object.fromEntries(header.cells.map((h, i) => [h, r.cells[i]]));
    });
    expect(objects).toEqual(expectedRows(name));
  });

  it('flags the U+FFFD that location_coordinates.csv holds as bad encoding, like any decoding error', async () => {
    // The file stores the replacement character itself (bytes EF BF BD): what a broken decode
    // leaves behind, so the row would be `invalid`/`bad_encoding` rather than sent.
    const [, row] = await readThroughOurReader('location_coordinates');
    expect(row).toMatchObject({ kind: 'record', badEncoding: true });
  });
});
