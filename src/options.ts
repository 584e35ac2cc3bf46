/** The library's options (the CLI's flags in camelCase) and their defaults, once; the commands check them once. */
import type { Logger } from './log.js';
import type { NetworkOptions } from './network.js';
import type { ExportProgress, ImportProgress } from './progress.js';
import type { RateSetting } from './rate-pace.js';
import type { Delimiter, InputEncoding, ResultFields, WritableField } from './types.js';

/** Fields a CSV column can be mapped to (contract: `--map`). */
export const MAPPABLE_FIELDS = ['id', 'customer_name', 'customer_language', 'customer_identifier', 'channel'] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];

export type RunMode = 'import' | 'dry-run' | 'plan' | 'only-changed';
export type ReadStrategy = 'auto' | 'get' | 'list';
export type MatchBy = 'id' | 'customer_identifier';
export type EmptyCells = 'null' | 'keep';
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** The contract's defaults, once: the library fills them in, `--help` shows them. */
export const DEFAULTS = Object.freeze({
  baseUrl: 'https://app.vorel.ai',
  read: 'auto',
  matchBy: 'id',
  empty: 'null',
  concurrency: 4,
  rate: 'auto' as RateSetting,
  retries: 5,
  timeout: 30_000,
  maxErrors: 20,
  maxClears: '10%',
  reportDir: 'reports',
  exportDelimiter: ',',
  bom: false,
  rateWindowMs: 60_000,
  backoffBaseMs: 500,
} as const);

export type ClearsLimit = { kind: 'rows'; rows: number } | { kind: 'percent'; percent: number };

/** What `confirm` is shown before the first PATCH: counted after the clears guard and any read of current values. */
export interface ConfirmPreview {
  mode: 'import' | 'only-changed';
  /** `-` for a stream. */
  input: string;
  rows: number;
  /** Under `--only-changed`, only the rows whose values differ. */
  rowsToUpdate: number;
  /** `--only-changed`: rows that already match; null when current values were not read. */
  unchanged: number | null;
  clears: Record<WritableField, number>;
  duplicateIds: number;
  baseUrl: string;
  keyFingerprint: string;
  resumedFrom: string | null;
  carriedOver: number;
}

/** Asked before the first PATCH; true (or a promise of it) goes on. */
export type Confirm = (preview: ConfirmPreview) => boolean | Promise<boolean>;

/** A later row of the same conversation was `updated`: the row at `line` is superseded `by` it. */
export interface Supersession {
  line: number;
  by: number;
}

export type CsvInput = NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;

/** How both commands reach the API: the options `importCsv` and `exportCsv` share. */
export interface ApiOptions {
  /** API origin; `https://`, or `http://` on a loopback host only. Default `https://app.vorel.ai`. */
  baseUrl?: string | undefined;
  /** Request starts per sliding 60 s: a hard cap, or `auto` (the rate headers' budget, at most 200; 180 without them). */
  rate?: RateSetting | undefined;
  /** Retries per request (a row's PATCH, a list page) for 5xx, timeouts and network errors. Default 5. */
  retries?: number | undefined;
  /** Per attempt, ms. Default 30 000. */
  timeout?: number | undefined;
  /** `http://[user:pass@]host:port` for every request but loopback; the library reads no proxy variable. */
  proxy?: string | undefined;
  /** Hosts that bypass `proxy`, as NO_PROXY lists them: host names, `.domain` suffixes, `*`, `host:port`, IP addresses. */
  noProxy?: string | undefined;
  /** A PEM file of certificates trusted besides Node's own. */
  caCert?: string | undefined;
}

/** Options of `importCsv` (the CLI's `import` flags in camelCase); every field but the input is optional. */
export interface ImportCsvOptions extends ApiOptions {
  /** For a stream (the CLI's `-`), give `input` instead. */
  file?: string | undefined;
  /** Spooled (mode 0600) into the run folder, since it is read twice. */
  input?: CsvInput | undefined;
  /** Needed unless `dryRun`. Never printed, logged or stored. */
  apiKey?: string | undefined;
  dryRun?: boolean | undefined;
  plan?: boolean | undefined;
  onlyChanged?: boolean | undefined;
  /** `auto` (the default): GET under 500 rows, else the list scan. */
  read?: ReadStrategy | undefined;
  matchBy?: MatchBy | undefined;
  /** An empty cell clears the field (`null`, the default) or leaves it out (`keep`). */
  empty?: EmptyCells | undefined;
  /** `<column>=<field>`, as `--map` takes them. */
  map?: readonly string[] | undefined;
  /** Any single character but `"`, CR and LF (or `tab`, `\t`, `comma`, `semicolon`); detected when absent. */
  delimiter?: string | undefined;
  /** `utf-8`, `utf-16le`, `utf-16be`, `windows-1252` or `latin1`; UTF-8 or UTF-16 by BOM when absent. */
  encoding?: string | undefined;
  /** An .xlsx input's worksheet (the first when absent). */
  sheet?: string | undefined;
  concurrency?: number | undefined;
  /** Consecutive server-side failures that stop the run (exit 3); 0 = never. */
  maxErrors?: number | undefined;
  /** With `plan`: `exit_code` 4 when changes are pending. */
  detailedExitcode?: boolean | undefined;
  /** Rows per field that may clear it (send `null`): a number, or `'n%'` of the data rows. Default `'10%'`. */
  maxClears?: number | string | undefined;
  allowClears?: boolean | undefined;
  /** Go on without calling `confirm`. */
  yes?: boolean | undefined;
  reportDir?: string | undefined;
  /** A run folder to continue; options that change what is sent come from its journal. */
  resume?: string | undefined;
  /** Each row's results.csv fields, once, in input order. */
  onRow?: ((row: ResultFields) => void) | undefined;
  /** A row already passed to `onRow` was superseded by a later row of the same id. */
  onSuperseded?: ((event: Supersession) => void) | undefined;
  onProgress?: ((state: ImportProgress) => void) | undefined;
  /** Asked once before the first PATCH (not with `yes` or when nothing is sent); `false`: exit 2, `declined`. */
  confirm?: Confirm | undefined;
  /** Aborting drains like Ctrl-C (exit 130; 129 with a `HangUp` reason), resumable. */
  signal?: AbortSignal | undefined;
  /** The library is silent without one. */
  logger?: Logger | undefined;
  /** @internal `--api-key-file`, repeated in the commands a run prints. */
  apiKeyFile?: string | undefined;
  /** @internal The `rate` window, ms (tests scale the 60 s down). */
  rateWindowMs?: number | undefined;
  /** @internal Upper bound of the first retry's backoff, ms. */
  backoffBaseMs?: number | undefined;
}

/** Options of `exportCsv` (the CLI's `export` flags in camelCase). */
export interface ExportCsvOptions extends ApiOptions {
  /** Appears only when complete; give `output` for a stream. */
  file?: string | undefined;
  output?: NodeJS.WritableStream | undefined;
  /** Needs the `read` scope; checked like every option (missing: exit 2). */
  apiKey?: string | undefined;
  /** `,` `;` or tab (also `comma`, `semicolon`, `tab`, `\t`). */
  delimiter?: string | undefined;
  bom?: boolean | undefined;
  /** A list, or one comma list (`'whatsapp,voice'`). */
  channel?: string | readonly string[] | undefined;
  status?: string | readonly string[] | undefined;
  /** ISO date, or date-time with a zone; inclusive. */
  createdAfter?: string | undefined;
  /** Exclusive. */
  createdBefore?: string | undefined;
  /** Rows where one of these (`name`, `language`) is empty. */
  missing?: string | readonly string[] | undefined;
  limit?: number | undefined;
  onProgress?: ((state: ExportProgress) => void) | undefined;
  /** Aborting writes no file: exit 130 (129 with a `HangUp` reason). */
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

type Checked<K extends keyof ImportCsvOptions> = { [P in K]-?: Exclude<ImportCsvOptions[P], undefined> };
type Given<K extends keyof ImportCsvOptions> = { [P in K]-?: ImportCsvOptions[P] };

/** Everything an import run needs, checked once (import/options.ts). */
export interface ImportOptions
  extends Checked<'read' | 'matchBy' | 'empty' | 'allowClears' | 'yes' | 'detailedExitcode' | 'reportDir'>,
    Checked<'concurrency' | 'rate' | 'retries' | 'maxErrors' | 'rateWindowMs' | 'backoffBaseMs'>,
    Given<'input' | 'apiKeyFile' | 'sheet' | 'resume'> {
  /** '-' for a stream (`input`). */
  file: string;
  mode: RunMode;
  /** Without a trailing slash. */
  baseUrl: string;
  /** Null only for a dry run. */
  apiKey: string | null;
  keyFingerprint: string | null;
  /** Normalised header → field. */
  map: ReadonlyMap<string, MappableField>;
  /** As typed, for the retry command and the journal. */
  mapArgs: readonly string[];
  delimiter: Delimiter | undefined;
  encoding: InputEncoding | undefined;
  timeoutMs: number;
  maxClears: ClearsLimit;
  network: NetworkOptions;
}
