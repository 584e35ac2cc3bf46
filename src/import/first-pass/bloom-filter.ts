/** A fixed-size Bloom filter over two 32-bit hashes (double hashing: probe i is h1 + i·h2). */
export class BloomFilter {
  private readonly words: Uint32Array;
  private readonly size: number;

  constructor(
    bits: number,
    private readonly probes: number,
  ) {
    // Not rounded up to a power of two, which could nearly double them.
    this.size = Math.min(2 ** 32, Math.max(1, Math.ceil(bits)));
    this.words = new Uint32Array(Math.ceil(this.size / 32));
  }

  get byteLength(): number {
    return this.words.byteLength;
  }

  /** Whether the key may have been added before (false: certainly new). */
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

  has(h1: number, h2: number): boolean {
    const step = (h2 | 1) >>> 0;
    for (let i = 0, at = h1 >>> 0; i < this.probes; i++, at = (at + step) >>> 0) {
      const bit = at % this.size;
      if (((this.words[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
