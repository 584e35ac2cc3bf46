/** Counting starts in time windows, as a rate limit sees them. */

/** Most of `times` inside any half-open sliding window [x, x + w). */
export function maxInSlidingWindow(times: readonly number[], w: number): number {
  const s = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < s.length; hi++) {
    while ((s[hi] ?? 0) - (s[lo] ?? 0) >= w) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
