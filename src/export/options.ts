import { rateSetting, wholeNumber } from '../checks.js';
import { checkApiKey, checkBaseUrl } from '../credentials.js';
import { UsageError } from '../errors.js';
import { parseExportDelimiter } from '../input/delimiter.js';
import { checkNetworkOptions } from '../network.js';
import { DEFAULTS, type ExportCsvOptions } from '../options.js';
import { parseIsoInstant } from './filter.js';

export const MISSING_FIELDS = ['name', 'language'] as const;
export type MissingField = (typeof MISSING_FIELDS)[number];

/** Values of one option are alternatives; options combine with AND. Empty sets keep all; dates are epoch ms. */
export type ExportFilters = ReturnType<typeof filtersFrom>;

export type ExportOptions = ReturnType<typeof checkExportOptions>['options'];

export const EXPORT_COLUMNS = [
  'id',
  'channel',
  'customer_identifier',
  'status',
  'customer_name',
  'customer_language',
  'created_at',
] as const;

/** vorel-api.md's channels; others get a warning (the list may grow). */
const KNOWN_CHANNELS = ['whatsapp', 'voice', 'webform', 'instagram', 'email'];
const SLUG = /^[a-z][a-z0-9_-]*$/;

/** `['a', 'b,c']` or `'a,b,c'` → {a, b, c}, lower-cased. */
function listOption(name: string, given: string | readonly string[] | undefined): Set<string> {
  const value = typeof given === 'string' ? [given] : given;
  if (value !== undefined && !Array.isArray(value))
    throw new UsageError(`--${name}: give a list of values or one comma list`, 'bad_filter');
  const values = (value ?? [])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
  for (const v of values) {
    if (!SLUG.test(v))
      throw new UsageError(
        `--${name} ${JSON.stringify(v)}: expected a slug such as ${name === 'channel' ? 'whatsapp' : 'active'}`,
        'bad_filter',
      );
  }
  if (value !== undefined && value.length > 0 && values.length === 0) throw new UsageError(`--${name} needs a value`, 'bad_filter');
  return new Set(values);
}

function instant(name: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = parseIsoInstant(value.trim());
  if (ms === null) {
    throw new UsageError(
      `--${name} ${JSON.stringify(value)}: expected an ISO 8601 date (2025-03-01, midnight UTC) or date-time with a zone (2025-03-01T12:00:00Z, …+02:00)`,
      'bad_date',
    );
  }
  return ms;
}

function filtersFrom(o: ExportCsvOptions, warnings: string[]) {
  const channels = listOption('channel', o.channel);
  for (const c of channels) {
    if (!KNOWN_CHANNELS.includes(c))
      warnings.push(`--channel ${c}: not a channel the API documents (${KNOWN_CHANNELS.join(', ')}); the export may be empty`);
  }
  const missing = listOption('missing', o.missing);
  for (const m of missing) {
    if (!(MISSING_FIELDS as readonly string[]).includes(m))
      throw new UsageError(`--missing ${JSON.stringify(m)}: use name or language`, 'bad_filter');
  }
  const createdAfter = instant('created-after', o.createdAfter);
  const createdBefore = instant('created-before', o.createdBefore);
  if (createdAfter !== null && createdBefore !== null && createdAfter >= createdBefore) {
    throw new UsageError('--created-after must be earlier than --created-before (after is inclusive, before exclusive)', 'bad_date');
  }
  return { channels, statuses: listOption('status', o.status), createdAfter, createdBefore, missing: missing as Set<MissingField> };
}

export function checkExportOptions(o: ExportCsvOptions) {
  if (o.file !== undefined && o.output !== undefined) throw new UsageError('give file or output, not both', 'conflicting_options');
  if (o.file === '') throw new UsageError('the output file name is empty (use - or leave it out for stdout)', 'bad_output');
  const baseUrl = checkBaseUrl(o.baseUrl ?? DEFAULTS.baseUrl);
  const delimiter = parseExportDelimiter(o.delimiter ?? DEFAULTS.exportDelimiter);
  const warnings: string[] = [];
  const filters = filtersFrom(o, warnings);
  const limit = o.limit === undefined ? null : wholeNumber('limit', o.limit, 1);
  const rate = rateSetting(o.rate ?? DEFAULTS.rate);
  const retries = wholeNumber('retries', o.retries ?? DEFAULTS.retries, 0);
  const timeoutMs = wholeNumber('timeout', o.timeout ?? DEFAULTS.timeout, 1);
  const network = checkNetworkOptions(o);
  // The key last: every other mistake is reported without needing one.
  if (o.apiKey === undefined || o.apiKey === '') throw new UsageError('no API key: pass apiKey (it needs the read scope)', 'missing_key');
  const apiKey = checkApiKey(o.apiKey, 'apiKey');
  return {
    options: {
      file: o.file ?? null,
      baseUrl,
      apiKey,
      delimiter,
      bom: o.bom ?? DEFAULTS.bom,
      filters,
      limit,
      rate,
      retries,
      timeoutMs,
      network,
    },
    warnings,
  };
}
