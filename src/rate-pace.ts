/** Which pace the run keeps (docs/cli.md `--rate`): from `--rate` and the API's last `X-RateLimit-Limit`. */

/** `--rate`: `auto`, or a hard cap of request starts per window. */
export type RateSetting = number | 'auto';

/** The documented per-key limit (vorel-api.md §5): `auto` never goes above it, whatever a header says. */
const AUTO_MAX_PER_WINDOW = 200;

/**
 * The pace without rate headers: 10% under the documented limit, because the API is fail-open
 * (vorel-api.md §5): no header and no 429 prove nothing about the budget left.
 */
const NO_HEADERS_PER_WINDOW = 180;

/** The pace in force (summary.json `rate`, snake_case as in the file). */
export interface RatePace {
  mode: 'auto' | 'fixed';
  /** Request starts per window (per minute outside tests). */
  per_min: number;
  /** Why this pace: the API's headers, the no-header default, or `--rate <n>`. */
  source: 'headers' | 'default' | 'flag';
}

/**
 * The pace for `setting` when the API last sent `X-RateLimit-Limit: headerLimit` (undefined: the
 * last answer carried no rate headers). A number is a hard cap and is kept as it is: the headers
 * still hold it back through what they say remains (api/client.ts), never push it up.
 */
export function paceFor(setting: RateSetting, headerLimit: number | undefined): RatePace {
  if (setting !== 'auto') return { mode: 'fixed', per_min: setting, source: 'flag' };
  if (headerLimit === undefined) return { mode: 'auto', per_min: NO_HEADERS_PER_WINDOW, source: 'default' };
  return { mode: 'auto', per_min: Math.min(AUTO_MAX_PER_WINDOW, headerLimit), source: 'headers' };
}

/**
 * One line for people: "auto: 200/min from the API's rate headers", "180/min: the API sent no rate
 * headers"; before the first answer (`answered` false) the default is only a start, not a finding.
 */
export function paceText(pace: RatePace, answered = true): string {
  if (pace.source === 'default') {
    return answered
      ? `${pace.per_min}/min: the API sent no rate headers`
      : `auto: ${pace.per_min}/min until the API's rate headers say more`;
  }
  if (pace.source === 'flag') return `${pace.per_min}/min: --rate ${pace.per_min}`;
  return `auto: ${pace.per_min}/min from the API's rate headers`;
}

/** The pace a plan or estimate assumes before any answer has come: auto counts on the no-header default. */
export function plannedPerWindow(setting: RateSetting): number {
  return setting === 'auto' ? NO_HEADERS_PER_WINDOW : setting;
}
