import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { cli, onlyRunDir, REAL_EXPORTS, ROOT, tempDir } from './helpers/cli.js';

interface Expected {
  options: string[];
  exit: number;
  rows: { line: number; outcome: string; error_code?: string }[];
  usage_error?: string;
}

const CORPUS = path.join(ROOT, 'fixtures/corpus');
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.csv'));

/** Every corpus file through the real CLI's dry run: outcome and error code of each row, and the exit code. */
describe('corpus of hostile and real-world files (dry run)', () => {
  it('has at least 30 files, each with its expectations', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)('%s', async (file) => {
    const expected = JSON.parse(readFileSync(path.join(CORPUS, file.replace(/\.csv$/, '.expected.json')), 'utf8')) as Expected;
    const reports = tempDir();
    const r = await cli(['import', path.join(CORPUS, file), '--dry-run', '--report-dir', reports, ...expected.options]);
    expect(r.code, r.stderr).toBe(expected.exit);
    if (expected.usage_error !== undefined) {
      expect(r.stderr).toContain(expected.usage_error);
      return;
    }
    const rows = parse(readFileSync(path.join(onlyRunDir(reports), 'results.csv')), { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => ({ line: Number(x.line), outcome: x.outcome, ...(x.error_code ? { error_code: x.error_code } : {}) }))).toEqual(
      expected.rows,
    );
  });
});

interface RealExport {
  options: string[];
  rows: { line: number; id: string; customer_name: string | null; customer_language: string | null }[];
}

/** Files a spreadsheet program really wrote (fixtures/real-exports): every row read as expected.json says. */
describe('real spreadsheet exports', () => {
  const expected = JSON.parse(readFileSync(path.join(REAL_EXPORTS, 'expected.json'), 'utf8')) as Record<string, RealExport>;
  it.each(Object.keys(expected))('%s', async (file) => {
    const spec = expected[file]!;
    const reports = tempDir();
    const r = await cli(['import', path.join(REAL_EXPORTS, file), '--dry-run', '--report-dir', reports, ...spec.options]);
    expect(r.code, r.stderr).toBe(0);
    const rows = parse(readFileSync(path.join(onlyRunDir(reports), 'results.csv')), { columns: true }) as Record<string, string>[];
    // results.csv neutralises formula-like cells with a leading ' for spreadsheets; undo that to compare values.
    const value = (cell: string | undefined) => (cell === '' || cell === undefined ? null : cell.replace(/^'(?=[=+\-@\t\r])/, ''));
    expect(
      rows.map((x) => ({
        line: Number(x.line),
        id: x.id,
        customer_name: value(x.customer_name),
        customer_language: value(x.customer_language),
      })),
    ).toEqual(spec.rows);
    expect(rows.every((x) => x.outcome === 'valid')).toBe(true);
  });
});
