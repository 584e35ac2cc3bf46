/**
 * The settler's rows that settled before an earlier one, by sequence number, taken out strictly in
 * order. A ring of slots rather than a Map: a Map that gains and loses a key per row rebuilds its
 * hash table every few dozen rows, and the table of a long-lived Map is built in V8's old space,
 * where it stays until a full collection. The ring only grows (doubling) when a slow row holds
 * more rows back than it has slots.
 */
export class ReorderBuffer<T> {
  private slots: (T | undefined)[] = new Array<T | undefined>(64).fill(undefined);
  /** The sequence number {@link takeNext} waits for. */
  private next = 0;
  private count = 0;

  /** Rows held. */
  get size(): number {
    return this.count;
  }

  /** Holds `value` for sequence number `seq`, which must not have been taken or held before. */
  put(seq: number, value: T): void {
    if (seq < this.next) throw new RangeError(`internal: sequence ${seq} was already taken`);
    while (seq - this.next >= this.slots.length) this.grow();
    const i = seq % this.slots.length;
    if (this.slots[i] !== undefined) throw new RangeError(`internal: sequence ${seq} is already held`);
    this.slots[i] = value;
    this.count += 1;
  }

  /** The value of the next sequence number once it is held (and moves on to the one after), else undefined. */
  takeNext(): T | undefined {
    const i = this.next % this.slots.length;
    const value = this.slots[i];
    if (value === undefined) return undefined;
    this.slots[i] = undefined;
    this.next += 1;
    this.count -= 1;
    return value;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let seq = this.next; seq < this.next + old.length; seq++) this.slots[seq % this.slots.length] = old[seq % old.length];
  }
}
