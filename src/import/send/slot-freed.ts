/**
 * A wake-up for "a request slot came free", shared by everyone waiting. `Promise.race` over the
 * tasks in flight would add a reaction to every one of them per row pulled, and those reactions
 * live as long as the requests do: at thousands of rows a second, that is garbage V8 promotes.
 */
export class SlotFreed {
  private waiting: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  /** Resolves at the next `notify()`. */
  next(): Promise<void> {
    this.waiting ??= new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    return this.waiting;
  }

  notify(): void {
    const wake = this.wake;
    this.waiting = null;
    this.wake = null;
    wake?.();
  }
}
