/** The limiter's ring buffer of start times against a plain array doing the same. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StartTimes } from '../src/api/start-times.js';

type Op = { kind: 'push'; gap: number } | { kind: 'drop'; back: number } | { kind: 'count'; back: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), gap: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('drop' as const), back: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant('count' as const), back: fc.integer({ min: 0, max: 200 }) }),
);

describe('StartTimes', () => {
  it('keeps, drops and counts exactly like an array, across growth and wrap-around', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const ring = new StartTimes();
        const model: number[] = [];
        let now = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            now += o.gap;
            ring.push(now);
            model.push(now);
          } else if (o.kind === 'drop') {
            const upTo = now - o.back;
            ring.dropUpTo(upTo);
            while (model.length > 0 && (model[0] as number) <= upTo) model.shift();
          } else {
            expect(ring.countAfter(now - o.back)).toBe(model.filter((t) => t > now - o.back).length);
          }
          expect(ring.length).toBe(model.length);
        }
        for (let i = -1; i <= model.length; i++) expect(ring.at(i)).toBe(model[i]);
      }),
    );
  });
});
