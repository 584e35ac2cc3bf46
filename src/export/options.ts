import type { NetworkOptions } from '../network.js';
import type { RateSetting } from '../rate-pace.js';
import type { Delimiter } from '../types.js';

/** Fields `--missing` can ask about (rows where that field is null). */
export const MISSING_FIELDS = ['name', 'language'] as const;
export type MissingField = (typeof MISSING_FIELDS)[number];

/** Client-side filters (the list endpoint has none, vorel-api.md §2). Within one option values are alternatives; options combine with AND. */
export interface ExportFilters {
  /** Keep these channels (lower-case slugs); empty = all. */
  channels: ReadonlySet<string>;
  /** Keep these statuses; empty = all. */
  statuses: ReadonlySet<string>;
  /** Keep `created_at >= createdAfter` (epoch ms), inclusive. */
  createdAfter: number | null;
  /** Keep `created_at < createdBefore` (epoch ms), exclusive: adjacent ranges neither overlap nor leave gaps. */
  createdBefore: number | null;
  /** Keep rows where at least one of these fields is null; empty = all. */
  missing: ReadonlySet<MissingField>;
}

/** Everything an export needs, checked once (check-options.ts). */
export interface ExportOptions {
  /** Output path, or null for stdout. */
  file: string | null;
  baseUrl: string;
  /** Never printed. */
  apiKey: string;
  delimiter: Delimiter;
  bom: boolean;
  filters: ExportFilters;
  /** Stop once this many rows are written; null = no limit. */
  limit: number | null;
  rate: RateSetting;
  retries: number;
  timeoutMs: number;
  /** The proxy and extra trust. */
  network: NetworkOptions;
}

/** A page that still fails after its retries is asked for again, up to this many times in a row; then the export stops (exit 3). */
export const MAX_PAGE_FAILURES = 3;

/** The export's columns, in order (docs/cli.md `export`). */
export const EXPORT_COLUMNS = [
  'id',
  'channel',
  'customer_identifier',
  'status',
  'customer_name',
  'customer_language',
  'created_at',
] as const;
