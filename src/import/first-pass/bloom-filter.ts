/**
 * A Bloom filter over two 32-bit hashes of a key (Kirsch–Mitzenmacher double hashing: probe i is
 * h1 + i·h2). Fixed size, chosen at construction: it never grows with what is added. "No" is
 * certain; "maybe" may be a false positive, which the caller checks exactly.
 */
export class BloomFilter {
  private readonly words: Uint32Array;
  private readonly size: number;

  /** `bits` at least 1 (one bit makes every check after the first a "maybe"), at most 2³². */
  constructor(
    bits: number,
    private readonly probes: number,
  ) {
    // Exactly the bits asked for, not the next power of two, which could nearly double them.
    this.size = Math.min(2 ** 32, Math.max(1, Math.ceil(bits)));
    this.words = new Uint32Array(Math.ceil(this.size / 32));
  }

  /** What the filter holds in memory, whatever has been added. */
  get byteLength(): number {
    return this.words.byteLength;
  }

  /** Adds a key; returns whether it may have been added before (false: certainly new). */
  add(h1: number, h2: number): boolean {
    let seen = true;
    const step = (h2 | 1) >>> 0;
    for (let i = 0, at = h1 >>> 0; i < this.probes; i++, at = (at + step) >>> 0) {
      const bit = at % this.size;
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
      const bit = at % this.size;
      if (((this.words[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
