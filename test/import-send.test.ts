import { describe, expect, it } from 'vitest';
import { failureOutcome } from '../src/import/modes/row-handler.js';
import { resultFields } from '../src/report/results.js';
import type { RowOutcome } from '../src/types.js';
import { testId } from './helpers/emulator.js';

const stopped = (attempts: number) => failureOutcome({ ok: false, status: null, code: 'aborted', message: 'aborted', attempts });

const fields = (outcome: RowOutcome) =>
  resultFields({ line: 2, endLine: 2, id: testId(1), patch: { customer_name: 'A' }, before: null, outcome }, undefined);

describe('a row the stop caught', () => {
  it('counts the attempts it had made: a 500 then Ctrl-C before the retry is one attempt, not zero', () => {
    const outcome = stopped(1);
    expect(outcome).toMatchObject({ kind: 'not_attempted', code: 'aborted', attempts: 1 });
    expect(outcome.kind === 'not_attempted' && outcome.message).toBe('stopped before another try (1 earlier attempts failed)');
    expect(fields(outcome)).toMatchObject({ outcome: 'not_attempted', attempts: 1 });
  });

  it('says it was never sent when no attempt had started', () => {
    const outcome = stopped(0);
    expect(outcome).toMatchObject({ kind: 'not_attempted', attempts: 0, message: 'the run stopped before this row was sent' });
    expect(fields(outcome)).toMatchObject({ attempts: 0 });
  });
});
