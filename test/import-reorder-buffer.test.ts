/** The settler's reorder buffer against a Map doing the same, in any settle order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from '../src/import/send/reorder-buffer.js';

describe('ReorderBuffer', () => {
  it('hands values over in sequence order whatever order they came in, across growth and wrap-around', () => {
    fc.assert(
      fc.property(
        // A permutation of 0..n-1 built from how far each sequence number settles out of place.
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 700 }),
        (delays) => {
          const order = delays.map((d, seq) => ({ seq, at: seq + d })).sort((a, b) => a.at - b.at || a.seq - b.seq);
          const buffer = new ReorderBuffer<string>();
          const model = new Map<number, string>();
          let next = 0;
          const out: string[] = [];
          for (const { seq } of order) {
            buffer.put(seq, `v${seq}`);
            model.set(seq, `v${seq}`);
            for (let v = buffer.takeNext(); v !== undefined; v = buffer.takeNext()) {
              expect(v).toBe(model.get(next));
              model.delete(next);
              next++;
              out.push(v);
            }
            expect(buffer.size).toBe(model.size);
          }
          expect(out).toEqual(delays.map((_, seq) => `v${seq}`));
        },
      ),
    );
  });

  it('refuses a sequence number taken or held already', () => {
    const buffer = new ReorderBuffer<number>();
    buffer.put(0, 0);
    buffer.put(2, 2);
    expect(() => buffer.put(2, 2)).toThrow(/already held/);
    expect(buffer.takeNext()).toBe(0);
    expect(() => buffer.put(0, 0)).toThrow(/already taken/);
    expect(buffer.takeNext()).toBeUndefined();
  });
});
