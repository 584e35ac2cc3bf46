/**
 * The limiter's start times inside its sliding window, ascending, in a ring buffer of doubles.
 * At an unlimited rate the window holds a minute of starts (100k and more): an array's `shift()`
 * copies all of them once the array is too large for V8 to trim in place, and `filter()` for a
 * count makes a copy of them; here dropping the oldest and counting allocate nothing, and the
 * buffer only grows, by doubling, until it fits the window.
 */
export class StartTimes {
  private buffer = new Float64Array(64);
  /** Index of the oldest time. */
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  /** Adds a time no earlier than the newest one. */
  push(time: number): void {
    if (this.size === this.buffer.length) this.grow();
    this.buffer[(this.head + this.size) % this.buffer.length] = time;
    this.size += 1;
  }

  /** The `i`-th oldest time (0 = the oldest); undefined outside 0 … length − 1. */
  at(i: number): number | undefined {
    if (!(i >= 0 && i < this.size)) return undefined;
    return this.buffer[(this.head + i) % this.buffer.length];
  }

  /** Drops every time at or before `time`. */
  dropUpTo(time: number): void {
    while (this.size > 0 && (this.buffer[this.head] as number) <= time) {
      this.head = (this.head + 1) % this.buffer.length;
      this.size -= 1;
    }
  }

  /** How many times lie after `time` (a binary search: the times are ascending). */
  countAfter(time: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at(mid) as number) > time) hi = mid;
      else lo = mid + 1;
    }
    return this.size - lo;
  }

  private grow(): void {
    const next = new Float64Array(this.buffer.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i) as number;
    this.buffer = next;
    this.head = 0;
  }
}
