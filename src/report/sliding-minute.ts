/** Requests started and 429s answered in one time bucket of the run. */
export interface TimelineBucket {
  /** Seconds since the run started, at the bucket's start. */
  at: number;
  requests: number;
  rateLimited: number;
}

/** What one chart bar shows: its busiest 60 s, the unit of the API's limit. */
export interface MinuteBar {
  /** Seconds since the run started, at the bar's start. */
  at: number;
  /** Requests started in the busiest 60 s that ends within the bar. */
  requests: number;
  /** Of those, the ones answered 429. */
  rateLimited: number;
}

/**
 * Bars of the request chart, at most `maxBars`, each the highest count of request starts in any
 * 60 s ending within it. A count per 60 s compares straight with the per-minute limit line, where
 * a short bar scaled up to a minute (4 requests in 1 s drawn as 240/min) would seem to break it.
 */
export function slidingMinuteBars(
  timeline: readonly TimelineBucket[],
  bucketSeconds: number,
  maxBars: number,
): { bars: MinuteBar[]; seconds: number } {
  if (timeline.length === 0) return { bars: [], seconds: bucketSeconds };
  const slots = Math.floor(Math.max(...timeline.map((b) => b.at)) / bucketSeconds) + 1;
  const requests = new Float64Array(slots);
  const limited = new Float64Array(slots);
  for (const b of timeline) {
    const slot = Math.floor(b.at / bucketSeconds);
    requests[slot] = (requests[slot] ?? 0) + b.requests;
    limited[slot] = (limited[slot] ?? 0) + b.rateLimited;
  }
  const factor = Math.max(1, Math.ceil(slots / maxBars));
  const seconds = bucketSeconds * factor;
  const window = Math.max(1, Math.round(60 / bucketSeconds));
  const bars: MinuteBar[] = Array.from({ length: Math.ceil(slots / factor) }, (_, i) => ({
    at: i * seconds,
    requests: 0,
    rateLimited: 0,
  }));
  let inWindow = 0;
  let limitedInWindow = 0;
  for (let slot = 0; slot < slots; slot++) {
    inWindow += requests[slot] ?? 0;
    limitedInWindow += limited[slot] ?? 0;
    if (slot >= window) {
      inWindow -= requests[slot - window] ?? 0;
      limitedInWindow -= limited[slot - window] ?? 0;
    }
    const bar = bars[Math.floor(slot / factor)];
    if (bar !== undefined && inWindow > bar.requests) {
      bar.requests = inWindow;
      bar.rateLimited = limitedInWindow;
    }
  }
  return { bars, seconds };
}
