/**
 * A Bloom filter over two 32-bit hashes of a key (Kirsch–Mitzenmacher double hashing: probe i is
 * h1 + i·h2). Fixed size, chosen at construction: it never grows with what is added. "No" is
 * certain; "maybe" may be a false positive, which the caller checks exactly.
 */
export class BloomFilter {
  private readonly words: Uint32Array;
  private readonly mask: number;

  /** `bits` is rounded up to a power of two (at least 1: one bit makes every check after the first a "maybe"). */
  constructor(
    bits: number,
    private readonly probes: number,
  ) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(1, bits)));
    this.mask = size - 1;
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  /** What the filter holds in memory, whatever has been added. */
  get byteLength(): number {
    return this.words.byteLength;
  }

  /** Adds a key; returns whether it may have been added before (false: certainly new). */
  add(h1: number, h2: number): boolean {
    let seen = true;
    // An odd step visits distinct bits of a power-of-two table.
    const step = (h2 | 1) >>> 0;
    for (let i = 0, at = h1 >>> 0; i < this.probes; i++, at = (at + step) >>> 0) {
      const bit = at & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      const current = this.words[word] ?? 0;
      if ((current & flag) === 0) {
        seen = false;
        this.words[word] = current | flag;
      }
    }
    return seen;
  }

  /** Whether a key may have been added (false: certainly not). */
  has(h1: number, h2: number): boolean {
    const step = (h2 | 1) >>> 0;
    for (let i = 0, at = h1 >>> 0; i < this.probes; i++, at = (at + step) >>> 0) {
      const bit = at & this.mask;
      if (((this.words[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
