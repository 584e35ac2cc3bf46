import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Journal } from '../src/import/journal/journal.js';
import type { JournalBefore, JournalRow } from '../src/import/journal/journal-records.js';
import { RunFolderWriteError, RunFolderWrites, writeFault } from '../src/report/run-folder-writes.js';

const ROW: JournalRow = {
  type: 'row',
  line: 2,
  end_line: 2,
  id: 'c1',
  outcome: { kind: 'updated', httpStatus: 200, attempts: 1 },
  patch: { customer_name: 'Ada' },
  before: null,
};
const BEFORE: JournalBefore = { type: 'before', line: 2, id: 'c1', before: { customer_name: null, customer_language: null } };

// /dev/full answers every write with ENOSPC: a disk that is full from the first byte.
describe.skipIf(!existsSync('/dev/full'))('writes in a run folder that cannot take them', () => {
  it('the first failure is told once, names the file, and the file is never written again', () => {
    const faults: RunFolderWriteError[] = [];
    const writes = new RunFolderWrites((fault) => faults.push(fault));
    const journal = new Journal('/dev/full', writes);
    expect(journal.append(ROW)).toBe(false);
    expect(journal.append(ROW)).toBe(false);
    expect(faults).toHaveLength(1);
    expect(faults[0]!.message).toBe('cannot write /dev/full: ENOSPC (no space left on the device)');
    expect(faults[0]!.exitCode).toBe(3);
    expect(journal.journaledRows).toBe(0);
  });

  it('before-values that cannot be made durable throw, so their PATCH is never sent', () => {
    const journal = new Journal('/dev/full', new RunFolderWrites(() => {}));
    expect(() => journal.appendDurably(BEFORE)).toThrow(RunFolderWriteError);
  });

  it('other files are still tried after one failed', () => {
    const writes = new RunFolderWrites(() => {});
    writes.fail('/run/.rows.ndjson', Object.assign(new Error('full'), { code: 'ENOSPC' }));
    let wrote = false;
    expect(
      writes.write('/run/journal.ndjson', () => {
        wrote = true;
      }),
    ).toBe(true);
    expect(wrote).toBe(true);
    expect(writes.fault?.path).toBe('/run/.rows.ndjson');
  });
});

describe('writeFault', () => {
  it('keeps a bug a bug: only errors of the file system become write errors', () => {
    const bug = new TypeError('x is undefined');
    expect(() => writeFault('/run/results.csv', bug)).toThrow(bug);
    expect(writeFault('/run/results.csv', Object.assign(new Error('ro'), { code: 'EROFS' })).message).toBe(
      'cannot write /run/results.csv: EROFS (the file system is read-only)',
    );
  });
});
