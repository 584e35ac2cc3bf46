/** The parts of summary.json the journal records too; loaded with the journal only (zod costs 0.1 s at start). */
import { z } from 'zod';
import { STOP_REASONS } from '../exit-code.js';
import type { RatePace } from '../rate-pace.js';
import { WRITABLE_FIELDS } from '../types.js';

export const paceSchema = z.object({
  mode: z.enum(['auto', 'fixed']),
  per_min: z.number(),
  source: z.enum(['headers', 'default', 'flag']),
}) satisfies z.ZodType<RatePace>;

const counts = z.number().int().nonnegative();

export const runStopSchema = z.object({ reason: z.enum(STOP_REASONS), message: z.string() });

/** `tripped`: refused, or would be. */
export const clearsGuardSchema = z.object({
  limit: z.string(),
  allowed: z.boolean(),
  tripped: z.boolean(),
  over_limit: z.array(z.enum(WRITABLE_FIELDS)),
});

export const confirmationSchema = z.enum(['prompt', 'flag', 'not_asked']);

export const requestTotalsSchema = z.object({ total: counts, retries: counts, rate_limited: counts });

/** `conversations_scanned`: null with a GET per row. */
export const readSummarySchema = z.object({
  strategy: z.enum(['get', 'list']),
  reason: z.string(),
  requests: counts,
  conversations_scanned: counts.nullable(),
});

/** `--plan`: what `import --only-changed` with the same `--read` would send, and how long it takes at least. */
export const planSummarySchema = z.object({
  would_change: counts,
  patch_requests: counts,
  read_requests: counts,
  requests: counts,
  estimated_minutes: z.number(),
  rate: z.number(),
});
