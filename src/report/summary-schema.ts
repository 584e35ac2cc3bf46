/**
 * The parts of summary.json the journal records too (its `facts`): one zod schema each, which the
 * journal parses with and summary.ts takes its types from. Loaded with the journal only: zod costs
 * ~0.1 s at start-up (CONTRIBUTING.md).
 */
import { z } from 'zod';
import { STOP_REASONS } from '../exit-code.js';
import type { RatePace } from '../rate-pace.js';
import { WRITABLE_FIELDS } from '../types.js';

/** The pace in force (api/rate-limiter.ts says which, and why). */
export const paceSchema = z.object({
  mode: z.enum(['auto', 'fixed']),
  per_min: z.number(),
  source: z.enum(['headers', 'default', 'flag']),
}) satisfies z.ZodType<RatePace>;

const counts = z.number().int().nonnegative();

/**
 * Why a run stopped early: 401/403, --max-errors or the input changing (`aborted`), a write in the
 * run folder failing (`write_failed`, as export says of its output), a signal (`interrupted`,
 * `hangup` for SIGHUP), the clears guard refused it (`clears_guard`), `confirm` said no (`declined`).
 */
export const runStopSchema = z.object({ reason: z.enum(STOP_REASONS), message: z.string() });

/** The clears guard's decision: `limit` as given (`10%` or rows), lifted by `--allow-clears`, `tripped` (refused, or would be), the fields `over_limit`. */
export const clearsGuardSchema = z.object({
  limit: z.string(),
  allowed: z.boolean(),
  tripped: z.boolean(),
  over_limit: z.array(z.enum(WRITABLE_FIELDS)),
});

/** How going on was confirmed: answered (the terminal, or the library's `confirm`), `--yes`, or not asked. */
export const confirmationSchema = z.enum(['prompt', 'flag', 'not_asked']);

/** `requests`: every HTTP attempt, the retries among them, the 429 answers. */
export const requestTotalsSchema = z.object({ total: counts, retries: counts, rate_limited: counts });

/** How current values were read: `requests` spent reading (retries included), `conversations_scanned` by a list scan (null with a GET per row). */
export const readSummarySchema = z.object({
  strategy: z.enum(['get', 'list']),
  reason: z.string(),
  requests: counts,
  conversations_scanned: counts.nullable(),
});

/**
 * `--plan`: the rows that would change, and what `import --only-changed` with the same `--read`
 * would send (its reads again, a PATCH per changed row), at least `estimated_minutes` at `rate`.
 */
export const planSummarySchema = z.object({
  would_change: counts,
  patch_requests: counts,
  read_requests: counts,
  requests: counts,
  estimated_minutes: z.number(),
  rate: z.number(),
});
