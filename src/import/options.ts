/** Checks `importCsv`'s options once, before any file is opened or request sent (usage errors: exit 2). */
import { checkApiKey, checkBaseUrl, keyFingerprint } from '../credentials.js';
import { rateSetting, wholeNumber } from '../checks.js';
import { parseDelimiterArg } from '../input/delimiter.js';
import { UsageError } from '../errors.js';
import { checkNetworkOptions } from '../network.js';
import { DEFAULTS, type ImportCsvOptions, type ImportOptions, type MappableField, type RunMode } from '../options.js';
import type { InputEncoding } from '../types.js';
import { parseMaxClears } from './first-pass/clears-guard.js';
import { parseMapArg } from './read/header.js';
import type { Logger } from '../log.js';
import { type ExplicitOptions, resumeOptions } from './journal/resume.js';
import { type RunJournal, readRunJournal } from './journal/run-journal.js';

const ENCODINGS: Readonly<Record<string, InputEncoding>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  win1252: 'windows-1252',
  latin1: 'latin1',
  'iso-8859-1': 'latin1',
};

/** The CLI's yargs checks them too; a library caller may pass anything. */
function choice<T extends string>(name: string, value: T | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value)) throw new UsageError(`--${name} ${JSON.stringify(value)}: use ${choices.join(' or ')}`, 'bad_argument');
  return value;
}

function parseEncoding(value: string): InputEncoding {
  const encoding = ENCODINGS[value.toLowerCase()];
  if (encoding === undefined) {
    throw new UsageError(`--encoding ${JSON.stringify(value)}: use utf-8, utf-16le, utf-16be, windows-1252 or latin1`, 'unknown_encoding');
  }
  return encoding;
}

/** `dryRun`, `plan` and `onlyChanged` exclude each other; `detailedExitcode` belongs to `plan`. */
function modeOf(o: ImportCsvOptions): RunMode {
  const flags = [
    ['dry-run', o.dryRun],
    ['plan', o.plan],
    ['only-changed', o.onlyChanged],
  ] as const;
  const given = flags.filter(([, on]) => on === true).map(([flag]) => flag);
  if (given.length > 1) {
    throw new UsageError(`${given.map((f) => `--${f}`).join(' and ')} cannot be combined: pick one mode`, 'conflicting_options');
  }
  if (o.detailedExitcode === true && given[0] !== 'plan') {
    throw new UsageError('--detailed-exitcode only applies to --plan (exit 4 when changes are pending)', 'conflicting_options');
  }
  return given[0] ?? 'import';
}

function mapOf(mapArgs: readonly string[]): Map<string, MappableField> {
  const map = new Map<string, MappableField>();
  for (const arg of mapArgs) {
    const [column, field] = parseMapArg(arg);
    if (map.has(column)) throw new UsageError(`--map names column ${JSON.stringify(column)} twice`, 'bad_map');
    map.set(column, field);
  }
  return map;
}

function inputOf(o: ImportCsvOptions): Pick<ImportOptions, 'file' | 'input'> {
  if (o.file !== undefined && o.input !== undefined) throw new UsageError('give file or input, not both', 'conflicting_options');
  if (o.input !== undefined) return { file: '-', input: o.input };
  if (o.file === undefined || o.file === '') throw new UsageError('import needs a file (or an input stream)', 'no_input');
  if (o.file === '-') throw new UsageError('file "-" is standard input on the command line; pass the stream as input', 'no_input');
  return { file: o.file, input: undefined };
}

/** `explicit`: which a resume must not see changed. */
function checkImportOptions(o: ImportCsvOptions): { options: ImportOptions; warnings: string[]; explicit: ExplicitOptions } {
  const mode = modeOf(o);
  const { file, input } = inputOf(o);
  const encoding = o.encoding === undefined ? undefined : parseEncoding(o.encoding);
  const mapArgs = (o.map ?? []).map(String);
  const map = mapOf(mapArgs);
  const matchBy = choice('match-by', o.matchBy, ['id', 'customer_identifier'], DEFAULTS.matchBy);
  const read = choice('read', o.read, ['auto', 'get', 'list'], DEFAULTS.read);
  if (read === 'get' && matchBy === 'customer_identifier') {
    throw new UsageError(
      '--read get cannot resolve customer_identifier (a GET needs the id): use --read list or auto',
      'conflicting_options',
    );
  }
  const warnings: string[] = [];
  if (o.read !== undefined && !(mode === 'plan' || mode === 'only-changed' || matchBy === 'customer_identifier')) {
    warnings.push('--read only matters with --plan, --only-changed or --match-by customer_identifier; ignoring it');
  }
  const empty = choice('empty', o.empty, ['null', 'keep'], DEFAULTS.empty);
  const maxClears = parseMaxClears(o.maxClears ?? DEFAULTS.maxClears);
  const delimiter = o.delimiter === undefined ? undefined : parseDelimiterArg(o.delimiter);
  const limits = {
    concurrency: wholeNumber('concurrency', o.concurrency ?? DEFAULTS.concurrency, 1),
    rate: rateSetting(o.rate ?? DEFAULTS.rate),
    retries: wholeNumber('retries', o.retries ?? DEFAULTS.retries, 0),
    timeoutMs: wholeNumber('timeout', o.timeout ?? DEFAULTS.timeout, 1),
    maxErrors: wholeNumber('max-errors', o.maxErrors ?? DEFAULTS.maxErrors, 0),
    rateWindowMs: wholeNumber('rate-window-ms', o.rateWindowMs ?? DEFAULTS.rateWindowMs, 1),
    backoffBaseMs: wholeNumber('backoff-base-ms', o.backoffBaseMs ?? DEFAULTS.backoffBaseMs, 0),
    network: checkNetworkOptions(o),
  };
  const baseUrl = checkBaseUrl(o.baseUrl ?? DEFAULTS.baseUrl);
  let apiKey: string | null = null;
  if (mode !== 'dry-run') {
    if (o.apiKey === undefined || o.apiKey === '') throw new UsageError('no API key: pass apiKey (a dry run needs none)', 'missing_key');
    apiKey = checkApiKey(o.apiKey, 'apiKey');
  }
  const options: ImportOptions = {
    file,
    input,
    mode,
    baseUrl,
    apiKey,
    keyFingerprint: apiKey === null ? null : keyFingerprint(apiKey),
    apiKeyFile: apiKey === null ? undefined : o.apiKeyFile,
    read,
    matchBy,
    empty,
    map,
    mapArgs,
    delimiter,
    encoding,
    sheet: o.sheet,
    ...limits,
    maxClears,
    allowClears: o.allowClears ?? false,
    yes: o.yes ?? false,
    detailedExitcode: o.detailedExitcode ?? false,
    reportDir: o.reportDir ?? DEFAULTS.reportDir,
    resume: o.resume,
  };
  const explicit: ExplicitOptions = {
    empty: o.empty !== undefined,
    map: mapArgs.length > 0,
    matchBy: o.matchBy !== undefined,
    encoding: encoding !== undefined,
    delimiter: delimiter !== undefined,
    sheet: o.sheet !== undefined,
    baseUrl: o.baseUrl !== undefined,
    mode: mode !== 'import',
  };
  return { options, warnings, explicit };
}

/** A resume's journal is read here and its options taken over. */
export async function resolveImportOptions(o: ImportCsvOptions, log: Logger): Promise<{ opts: ImportOptions; resume: RunJournal | null }> {
  const checked = checkImportOptions(o);
  for (const warning of checked.warnings) log.warn(warning);
  if (checked.options.resume === undefined) return { opts: checked.options, resume: null };
  const resume = await readRunJournal(checked.options.resume, '--resume');
  const opts = resumeOptions(checked.options, checked.explicit, resume);
  if (resume.tornLastLine) log.warn('skipped 1 unreadable journal line: the last one, cut off by a crash mid-write');
  return { opts, resume };
}
