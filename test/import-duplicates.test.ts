import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../src/import/first-pass/bloom-filter.js';
import { DuplicateFinder } from '../src/import/first-pass/duplicates.js';
import { scratchDir } from './helpers/scratch.js';

const { dir } = scratchDir('vorel-dup-');
let logNo = 0;
const finder = (bloomBits: number): DuplicateFinder => new DuplicateFinder({ logPath: join(dir, `ids-${logNo++}`), bloomBits });
const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** What a Set of strings says: the keys seen more than once (sorted: the finder promises no order). */
function exactRepeats(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) repeated.add(key);
    else seen.add(key);
  }
  return [...repeated].sort();
}

async function repeatsOf(keys: readonly string[], bloomBits: number): Promise<string[]> {
  const f = finder(bloomBits);
  for (const key of keys) f.add(key);
  return [...(await f.finish())].sort();
}

describe('duplicate ids', () => {
  it('names exactly the repeated ids when every check of a one-bit filter collides', async () => {
    const keys = [uuid(1), uuid(2), uuid(3), uuid(2), 'not-a-uuid', uuid(4), 'not-a-uuid', uuid(1), 'other'];
    expect(await repeatsOf(keys, 1)).toEqual([uuid(1), uuid(2), 'not-a-uuid']);
  });

  it('finds a repeat 100,000 keys apart', async () => {
    const keys = [uuid(0xabcdef), ...Array.from({ length: 100_000 }, (_, i) => uuid(i + 1)), uuid(0xabcdef)];
    expect(await repeatsOf(keys, 2 ** 20)).toEqual([uuid(0xabcdef)]);
  });

  it('agrees with a Set of strings on any keys, with tiny and roomy filters', async () => {
    const key = fc.oneof(
      fc.integer({ min: 0, max: 40 }).map(uuid),
      fc.constantFrom('x', 'é', '👋', '', 'id with, comma'),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(key, { maxLength: 200 }), fc.constantFrom(1, 64, 4096), async (keys, bits) => {
        expect(await repeatsOf(keys, bits)).toEqual(exactRepeats(keys));
      }),
      { numRuns: 100 },
    );
  });

  it('reads a key longer than its read buffer back whole', async () => {
    const long = 'x'.repeat(3 * 1024 * 1024);
    expect(await repeatsOf([long, 'a', long], 1)).toEqual([long]);
  });

  it('removes its key logs when done, and when discarded', async () => {
    const before = readdirSync(dir).length;
    const done = finder(1);
    done.add(uuid(1));
    done.add('text');
    await done.finish();
    const dropped = finder(1);
    dropped.add(uuid(1));
    dropped.discard();
    expect(readdirSync(dir).length).toBe(before);
    expect(existsSync(join(dir, `ids-${logNo - 1}`))).toBe(false);
  });

  it('holds the same memory after 10,000 and after 100,000 distinct ids', () => {
    const sizes = [10_000, 100_000].map((n) => {
      const f = finder(2 ** 22);
      for (let i = 0; i < n; i++) f.add(uuid(i * 7919 + 1));
      const bytes = f.memoryBytes;
      f.discard();
      return { bytes, candidates: f.candidateCount };
    });
    expect(sizes[1]!.bytes - sizes[0]!.bytes).toBeLessThan(4096);
    // False positives only: a few dozen at most with 4 Mbit for 100k keys.
    expect(sizes[1]!.candidates).toBeLessThan(100);
  });
});

describe('Bloom filter', () => {
  it('never says no to a key it holds', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer(), fc.integer()), { maxLength: 300 }), fc.integer({ min: 1, max: 5000 }), (keys, bits) => {
        const filter = new BloomFilter(bits, 7);
        for (const [a, b] of keys) filter.add(a, b);
        for (const [a, b] of keys) expect(filter.has(a, b)).toBe(true);
      }),
    );
  });

  it('keeps its size whatever is added', () => {
    const filter = new BloomFilter(1000, 7);
    const size = filter.byteLength;
    for (let i = 0; i < 10_000; i++) filter.add(i, i * 31);
    expect(filter.byteLength).toBe(size);
    expect(size).toBe(128);
  });
});
