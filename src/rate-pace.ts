/** The pace a run keeps (docs/cli.md `--rate`): which one, and as summary.json and people read it. */

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

/** vorel-api.md §5: `auto` never goes above it, whatever a header says. */
const AUTO_MAX_PER_WINDOW = 200;

/** 10% under the limit: the API is fail-open (vorel-api.md §5), no header and no 429 prove nothing. */
const NO_HEADERS_PER_WINDOW = 180;

/** `headerLimit`: the last `X-RateLimit-Limit`. A number is a hard cap that headers never push up. */
export function paceFor(setting: RateSetting, headerLimit: number | undefined): RatePace {
  if (setting !== 'auto') return { mode: 'fixed', per_min: setting, source: 'flag' };
  if (headerLimit === undefined) return { mode: 'auto', per_min: NO_HEADERS_PER_WINDOW, source: 'default' };
  return { mode: 'auto', per_min: Math.min(AUTO_MAX_PER_WINDOW, headerLimit), source: 'headers' };
}
