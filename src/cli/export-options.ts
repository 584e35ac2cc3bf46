import { UsageError } from '../errors.js';
import { parseIsoInstant } from '../export/filter.js';
import { MISSING_FIELDS, type ExportFilters, type ExportOptions, type MissingField } from '../export/options.js';
import { DEFAULTS } from '../options.js';
import { checkBaseUrl, loadApiKey } from './credentials.js';
import { DELIMITERS, rateSetting, wholeNumber } from './import-options.js';

/** The export command's arguments as yargs hands them over (a repeated string option is an array). */
export interface RawExportArgs {
  file?: string | undefined;
  'base-url'?: string;
  'api-key-file'?: string;
  delimiter: string;
  bom: boolean;
  channel?: string | string[];
  status?: string | string[];
  'created-after'?: string;
  'created-before'?: string;
  missing?: string | string[];
  limit?: number;
  rate: string | number;
  retries: number;
  timeout: number;
  json: boolean;
  quiet?: boolean;
}

/** Channels vorel-api.md names: live ones, then reserved ones. Others are allowed with a warning (the list may grow). */
const KNOWN_CHANNELS = ['whatsapp', 'voice', 'webform', 'instagram', 'email'];
const SLUG = /^[a-z][a-z0-9_-]*$/;

/** `--channel a --channel b,c` → {a, b, c}: repeatable, comma lists, lower-cased. */
function listOption(name: string, value: string | string[] | undefined): Set<string> {
  const values = (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
  for (const v of values) {
    if (!SLUG.test(v))
      throw new UsageError(`--${name} ${JSON.stringify(v)}: expected a slug such as ${name === 'channel' ? 'whatsapp' : 'active'}`);
  }
  if (value !== undefined && values.length === 0) throw new UsageError(`--${name} needs a value`);
  return new Set(values);
}

function instant(name: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = parseIsoInstant(value.trim());
  if (ms === null) {
    throw new UsageError(
      `--${name} ${JSON.stringify(value)}: expected an ISO 8601 date (2025-03-01, midnight UTC) or date-time with a zone (2025-03-01T12:00:00Z, …+02:00)`,
    );
  }
  return ms;
}

function filtersFrom(args: RawExportArgs, warnings: string[]): ExportFilters {
  const channels = listOption('channel', args.channel);
  for (const c of channels) {
    if (!KNOWN_CHANNELS.includes(c))
      warnings.push(`--channel ${c}: not a channel the API documents (${KNOWN_CHANNELS.join(', ')}); the export may be empty`);
  }
  const missing = listOption('missing', args.missing);
  for (const m of missing) {
    if (!(MISSING_FIELDS as readonly string[]).includes(m)) throw new UsageError(`--missing ${JSON.stringify(m)}: use name or language`);
  }
  const createdAfter = instant('created-after', args['created-after']);
  const createdBefore = instant('created-before', args['created-before']);
  if (createdAfter !== null && createdBefore !== null && createdAfter >= createdBefore) {
    throw new UsageError('--created-after must be earlier than --created-before (after is inclusive, before exclusive)');
  }
  return { channels, statuses: listOption('status', args.status), createdAfter, createdBefore, missing: missing as Set<MissingField> };
}

/** Checks the export arguments once, at the edge; nothing below reads env or argv. */
export function exportOptionsFrom(
  args: RawExportArgs,
  env: Readonly<Record<string, string | undefined>>,
): { options: ExportOptions; warnings: string[] } {
  const file = args.file === undefined || args.file === '-' ? null : args.file;
  if (file === '') throw new UsageError('the output file name is empty (use - or leave it out for stdout)');
  if (args.json && file === null) {
    throw new UsageError('--json needs an output file: stdout holds the CSV (vorel-sync export out.csv --json)');
  }
  const baseUrl = checkBaseUrl(args['base-url'] ?? env.VOREL_BASE_URL ?? DEFAULTS.baseUrl);
  const delimiter = DELIMITERS[args.delimiter.toLowerCase()];
  if (delimiter === undefined) throw new UsageError(`--delimiter ${JSON.stringify(args.delimiter)}: use , ; or tab`);
  const warnings: string[] = [];
  const filters = filtersFrom(args, warnings);
  const limit = args.limit === undefined ? null : wholeNumber('limit', args.limit, 1);
  const rate = rateSetting(args.rate);
  const retries = wholeNumber('retries', args.retries, 0);
  const timeoutMs = wholeNumber('timeout', args.timeout, 1);
  // The key last: every other mistake is reported without needing one.
  const loaded = loadApiKey({
    env: env.VOREL_API_KEY,
    file: args['api-key-file'],
    hint: 'export reads the conversations: the key needs the read scope',
  });
  warnings.push(...loaded.warnings);
  return {
    options: {
      file,
      baseUrl,
      apiKey: loaded.key,
      delimiter,
      bom: args.bom,
      filters,
      limit,
      rate,
      retries,
      timeoutMs,
      json: args.json,
      verbosity: args.quiet ? 'quiet' : 'normal',
    },
    warnings,
  };
}
