import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckedRow } from '../src/import/read/check.js';
import type { HandledRow, RowHandler, ValidRow } from '../src/import/modes/row-handler.js';
import { Sender } from '../src/import/send/schedule.js';
import { type Origin, Settler } from '../src/import/send/settle.js';
import { StopSwitch } from '../src/import/stop.js';
import { SILENT_LOGGER } from '../src/log.js';
import type { RowOutcome, RowResult } from '../src/types.js';
import { testId } from './helpers/emulator.js';

const UPDATED: RowOutcome = { kind: 'updated', httpStatus: 200, attempts: 1 };
const NOT_FOUND: RowOutcome = { kind: 'failed', code: 'not_found', message: '404', httpStatus: 404, attempts: 1 };
const BAD_REQUEST: RowOutcome = { kind: 'invalid', code: 'bad_request', message: '400', httpStatus: 400, attempts: 1 };
const INVALID: RowOutcome = { kind: 'invalid', code: 'invalid_uuid', message: 'bad id', httpStatus: null, attempts: 0 };

const result = (line: number, id: string | null, outcome: RowOutcome): RowResult => ({
  line,
  endLine: line,
  id,
  patch: { customer_name: `L${line}` },
  before: null,
  outcome,
});

function settler(opts: { duplicateIds?: string[]; maxErrors?: number } = {}) {
  const inOrder: number[] = [];
  const supersededBy = new Map<number, number>();
  const journaled: { line: number; origin: Origin; supersedes: readonly number[] }[] = [];
  const breaks: string[] = [];
  const s = new Settler({
    inOrder: (row, supersedes) => {
      inOrder.push(row.line);
      for (const line of supersedes) supersededBy.set(line, row.line);
    },
    onSettled: (row, origin, supersedes) => journaled.push({ line: row.line, origin, supersedes }),
    duplicateIds: new Set(opts.duplicateIds ?? []),
    maxErrors: opts.maxErrors ?? 0,
    onBreak: (message) => breaks.push(message),
  });
  return { s, inOrder, supersededBy, journaled, breaks };
}

describe('Settler', () => {
  it('hands rows on in input order, whatever order they settle in', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...Array(30).keys()], { minLength: 30 }), (order) => {
        const { s, inOrder } = settler();
        for (const seq of order) s.settle(seq, result(seq + 2, testId(seq + 1), UPDATED), 'server');
        expect(inOrder).toEqual([...Array(30).keys()].map((k) => k + 2));
      }),
    );
  });

  it('hands rows on in sequence order, rows settled far out of place among them (from the reorder buffer)', () => {
    fc.assert(
      fc.property(
        // A permutation of 0..n-1 built from how far each sequence number settles out of place.
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 700 }),
        (delays) => {
          const order = delays.map((d, seq) => ({ seq, at: seq + d })).sort((a, b) => a.at - b.at || a.seq - b.seq);
          const { s, inOrder } = settler();
          const settled = new Set<number>();
          let firstMissing = 0;
          for (const { seq } of order) {
            s.settle(seq, result(seq + 2, null, UPDATED), 'server');
            settled.add(seq);
            while (settled.has(firstMissing)) firstMissing++;
            // Every row before the first one missing has been handed on, none after it.
            expect(inOrder.length).toBe(firstMissing);
          }
          expect(inOrder).toEqual(delays.map((_, seq) => seq + 2));
          s.drain();
        },
      ),
    );
  });

  it('refuses a sequence number settled already, handed on or held', () => {
    const { s, inOrder } = settler();
    s.settle(0, result(2, null, UPDATED), 'server');
    s.settle(2, result(4, null, UPDATED), 'server');
    expect(() => s.settle(2, result(4, null, UPDATED), 'server')).toThrow(/settled already/);
    expect(() => s.settle(0, result(2, null, UPDATED), 'server')).toThrow(/settled already/);
    expect(inOrder).toEqual([2]);
    expect(() => s.drain()).toThrow(/never handed on/);
  });

  it('a later updated row of the same id supersedes the earlier rows that did not update, and journals which', () => {
    const id = testId(1);
    const { s, supersededBy, journaled } = settler({ duplicateIds: [id] });
    s.settle(0, result(2, id, NOT_FOUND), 'server');
    s.settle(1, result(3, id, INVALID), 'client');
    s.settle(2, result(4, id, UPDATED), 'server');
    // An invalid row after it settled before it: not superseded by it.
    s.settle(4, result(6, id, INVALID), 'client');
    s.settle(3, result(5, testId(2), UPDATED), 'server');
    expect([...supersededBy]).toEqual([
      [2, 4],
      [3, 4],
    ]);
    expect(journaled.find((j) => j.line === 4)?.supersedes).toEqual([2, 3]);
    expect(s.supersededRows).toBe(2);
  });

  it('an earlier updated row is never superseded; ids on one row only never supersede', () => {
    const { s, supersededBy } = settler({ duplicateIds: [testId(1)] });
    s.settle(0, result(2, testId(1), UPDATED), 'server');
    s.settle(1, result(3, testId(1), UPDATED), 'server');
    s.settle(2, result(4, testId(3), NOT_FOUND), 'server');
    s.settle(3, result(5, testId(3), UPDATED), 'server');
    expect(supersededBy.size).toBe(0);
  });

  it('--max-errors trips on consecutive server-side failures (404, 400) in settle order, once', () => {
    const { s, breaks } = settler({ maxErrors: 3 });
    s.settle(0, result(2, testId(1), NOT_FOUND), 'server');
    s.settle(1, result(3, testId(2), BAD_REQUEST), 'server');
    // Rows the client found invalid neither count nor reset; carried rows neither.
    s.settle(2, result(4, null, INVALID), 'client');
    s.settle(3, result(5, testId(4), NOT_FOUND), 'carried');
    expect(breaks).toHaveLength(0);
    s.settle(4, result(6, testId(5), NOT_FOUND), 'server');
    expect(breaks).toHaveLength(1);
    expect(breaks[0]).toMatch(/stopped after 3 consecutive rows failed on the server side \(last: line 6, not_found/);
    s.settle(5, result(7, testId(6), NOT_FOUND), 'server');
    expect(breaks).toHaveLength(1);
  });

  it('an updated row resets the count; 0 never trips', () => {
    const reset = settler({ maxErrors: 2 });
    reset.s.settle(0, result(2, testId(1), NOT_FOUND), 'server');
    reset.s.settle(1, result(3, testId(2), UPDATED), 'server');
    reset.s.settle(2, result(4, testId(3), NOT_FOUND), 'server');
    expect(reset.breaks).toHaveLength(0);
    const never = settler({ maxErrors: 0 });
    for (let k = 0; k < 50; k++) never.s.settle(k, result(k + 2, testId(k + 1), NOT_FOUND), 'server');
    expect(never.breaks).toHaveLength(0);
  });
});

describe('Sender', () => {
  const row = (line: number, id: string): ValidRow => ({
    kind: 'valid',
    line,
    endLine: line,
    target: { by: 'id', id },
    patch: { customer_name: `L${line}` },
  });

  it('keeps rows of one id in file order, never two at once, and never more than `concurrency` in flight', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.integer({ min: 1, max: 4 }), delay: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        async (rows, concurrency) => {
          let inFlight = 0;
          let most = 0;
          const busy = new Set<string>();
          const started: { line: number; id: string }[] = [];
          const handler: RowHandler = async (r): Promise<HandledRow> => {
            const id = r.target.by === 'id' ? r.target.id : '';
            expect(busy.has(id)).toBe(false);
            busy.add(id);
            inFlight++;
            most = Math.max(most, inFlight);
            started.push({ line: r.line, id });
            await new Promise((resolve) => setTimeout(resolve, rows[r.line - 2]?.delay ?? 0));
            inFlight--;
            busy.delete(id);
            return { id, outcome: UPDATED, before: null };
          };
          const ids = rows.map((r) => testId(r.id));
          const { s } = settler({ duplicateIds: ids });
          const sender = new Sender({
            concurrency,
            handler,
            hooks: { recalledBefore: () => undefined, beforeWrite: () => undefined },
            settler: s,
            stop: new StopSwitch(SILENT_LOGGER, null),
            duplicateKeys: new Set(),
          });
          for (const [seq, r] of rows.entries()) {
            await sender.slotFree();
            sender.send(seq, row(seq + 2, testId(r.id)) as CheckedRow & ValidRow);
          }
          await sender.drain();
          s.drain();
          expect(most).toBeLessThanOrEqual(concurrency);
          for (const id of new Set(ids)) {
            const lines = started.filter((x) => x.id === id).map((x) => x.line);
            expect(lines).toEqual([...lines].sort((a, b) => a - b));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
