/** The pace a run keeps (docs/cli.md `--rate`), as summary.json and people read it; api/rate-limiter.ts chooses it. */

/** `--rate`: `auto`, or a hard cap of request starts per window. */
export type RateSetting = number | 'auto';

/** summary.json `rate`. */
export interface RatePace {
  mode: 'auto' | 'fixed';
  /** Per window: per minute outside tests. */
  per_min: number;
  source: 'headers' | 'default' | 'flag';
}

/** Before the first answer (`answered` false) the default is only a start, not a finding. */
export function paceText(pace: RatePace, answered = true): string {
  if (pace.source === 'default') {
    return answered
      ? `${pace.per_min}/min: the API sent no rate headers`
      : `auto: ${pace.per_min}/min until the API's rate headers say more`;
  }
  if (pace.source === 'flag') return `${pace.per_min}/min: --rate ${pace.per_min}`;
  return `auto: ${pace.per_min}/min from the API's rate headers`;
}
