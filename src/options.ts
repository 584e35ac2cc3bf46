/**
 * The options of the library (and so of the CLI, whose flags are these in kebab case), with their
 * defaults defined once. The commands check them once (import/options.ts, export/options.ts)
 * into the resolved ImportOptions / ExportOptions the stages use.
 */
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

/** The contract's defaults, once: the library fills them in, the CLI's `--help` shows them. */
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

/** `maxClears` (`--max-clears`) checked: a number of rows, or a share of the file's data rows. */
export type ClearsLimit = { kind: 'rows'; rows: number } | { kind: 'percent'; percent: number };

/**
 * What `confirm` is shown before the first PATCH (contract: `--yes`); the terminal prompt prints
 * it. Counted after the clears guard and, for `--only-changed`, after reading current values.
 */
export interface ConfirmPreview {
  mode: 'import' | 'only-changed';
  /** The input as the summary names it (`-` for a stream). */
  input: string;
  /** The file's data rows. */
  rows: number;
  /** Rows the run will PATCH: the valid rows, or under `--only-changed` the rows whose values differ. */
  rowsToUpdate: number;
  /** `--only-changed`: rows whose values already match (no PATCH); null when current values were not read. */
  unchanged: number | null;
  /** Rows that send `null` for each field (under `--only-changed`: only where the value is not already empty). */
  clears: Record<WritableField, number>;
  /** Ids on more than one row (applied in file order). */
  duplicateIds: number;
  baseUrl: string;
  /** As the dashboard shows it: never the key. */
  keyFingerprint: string;
  /** A resumed run: the run it continues (null otherwise), and the rows it will not send again. */
  resumedFrom: string | null;
  carriedOver: number;
}

/** Asked before the first PATCH; true (or a promise of it) goes on. The library calls it where the CLI prompts. */
export type Confirm = (preview: ConfirmPreview) => boolean | Promise<boolean>;

/** A later row of the same conversation was `updated`: the row at `line` is superseded `by` it. */
export interface Supersession {
  line: number;
  by: number;
}

/** Bytes of a CSV: a Node stream or any async iterable of chunks. */
export type CsvInput = NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;

/** How both commands reach the API: the options `importCsv` and `exportCsv` share. */
export interface ApiOptions {
  /** API origin; `https://`, or `http://` on a loopback host only. Default `https://app.vorel.ai`. */
  baseUrl?: string | undefined;
  /**
   * Request starts per sliding 60 s: a number is a hard cap; `auto` (the default) spends what the
   * API's rate headers say the key has, never above 200, and 180 while the API sends none.
   */
  rate?: RateSetting | undefined;
  /** Retries per request (a row's PATCH, a list page) for 5xx, timeouts and network errors. Default 5. */
  retries?: number | undefined;
  /** Per-attempt timeout, ms. Default 30 000. */
  timeout?: number | undefined;
  /**
   * An HTTP proxy for every request (`http://host:port`; credentials as `http://user:pass@host:port`,
   * percent-encoded, sent as Proxy-Authorization and never shown). HTTPS goes through a CONNECT
   * tunnel. Loopback hosts never use it. The library reads no proxy variable: the CLI passes
   * `HTTPS_PROXY` here.
   */
  proxy?: string | undefined;
  /** Hosts that bypass `proxy`, as NO_PROXY lists them: host names, `.domain` suffixes, `*`, `host:port`, IP addresses. */
  noProxy?: string | undefined;
  /** A PEM file of certificates (a bundle works) trusted in addition to Node's own; missing or unreadable rejects (exit 2). */
  caCert?: string | undefined;
}

/** Options of `importCsv` (the CLI's `import` flags in camelCase); every field but the input is optional. */
export interface ImportCsvOptions extends ApiOptions {
  /** The CSV file to read; for a stream (the CLI's `-`), give `input` instead. */
  file?: string | undefined;
  /** The CSV bytes, instead of `file`; spooled (mode 0600) into the run folder, since they are read twice. */
  input?: CsvInput | undefined;
  /** The API key (`vapk_<env>_` + 48 hex); needed unless `dryRun`. Never printed, logged or stored. */
  apiKey?: string | undefined;
  /** Parse and validate only: no network, no key. */
  dryRun?: boolean | undefined;
  /** Read current values and write plan.csv; send no PATCH. */
  plan?: boolean | undefined;
  /** Read current values first; PATCH only rows that differ (writes rollback.csv). */
  onlyChanged?: boolean | undefined;
  /** How current values are read: `auto` (GET under 500 rows, else the list scan; the default), `get` or `list`. */
  read?: ReadStrategy | undefined;
  /** Key rows by conversation `id`, or by `customer_identifier` (phone/email). Default `id`. */
  matchBy?: MatchBy | undefined;
  /** An empty cell clears the field (`null`, the default) or leaves it out (`keep`). */
  empty?: EmptyCells | undefined;
  /** `<column>=<field>` mappings, as `--map` takes them. */
  map?: readonly string[] | undefined;
  /**
   * Any single character other than `"`, CR and LF (`tab`, `\t`, `comma`, `semicolon` spelled out);
   * detected from the header (`,` `;` or tab) when absent.
   */
  delimiter?: string | undefined;
  /** `utf-8`, `utf-16le`, `utf-16be`, `windows-1252` or `latin1`; UTF-8 or UTF-16 by BOM when absent. */
  encoding?: string | undefined;
  /** For an .xlsx input: the worksheet to read (the first when absent). */
  sheet?: string | undefined;
  /** Requests in flight at most. Default 4. */
  concurrency?: number | undefined;
  /** Stop (exit 3) after this many consecutive server-side failures; 0 = never. Default 20. */
  maxErrors?: number | undefined;
  /** With `plan`: `exit_code` 4 when changes are pending. */
  detailedExitcode?: boolean | undefined;
  /**
   * The clears guard, per field: more rows than this clearing a field (sending `null`) refuse the
   * run before its first PATCH (`exit_code` 2, nothing sent; a dry run or plan runs through and ends 2 too).
   * A number of rows, or `'n%'` of the file's data rows. Default `'10%'`.
   */
  maxClears?: number | string | undefined;
  /** Lift the clears guard: the clears are intended (still counted in `clears`). */
  allowClears?: boolean | undefined;
  /** Go on without calling `confirm` (the CLI's `--yes`); summary.json `confirmed` says `flag`. */
  yes?: boolean | undefined;
  /** Where run folders go. Default `reports`. */
  reportDir?: string | undefined;
  /** A run folder to continue: rows it settled are not sent again; options that change what is sent come from its journal. */
  resume?: string | undefined;
  /** Each data row's result (the results.csv fields), once, in input order, when it settles. */
  onRow?: ((row: ResultFields) => void) | undefined;
  /** A row already passed to `onRow` was superseded by a later row of the same id. */
  onSuperseded?: ((event: Supersession) => void) | undefined;
  /** The run's progress, now and then (a few times a second at most) and once at the end. */
  onProgress?: ((state: ImportProgress) => void) | undefined;
  /**
   * Asked once before the first PATCH, after the clears guard; `false` sends nothing and resolves
   * with `exit_code` 2 (`stopped.reason` `declined`). Not asked when absent, with `yes`, or when
   * the run sends nothing (a dry run, a plan, no row to update).
   */
  confirm?: Confirm | undefined;
  /**
   * Aborting works like Ctrl-C: requests in flight finish, reports are written, `exit_code` 130,
   * resumable. Aborted with a `HangUp` as its reason (what the CLI does on SIGHUP): `exit_code` 129.
   */
  signal?: AbortSignal | undefined;
  /** Where warnings and progress notes go; the library is silent without one. */
  logger?: Logger | undefined;
  /** @internal The file the CLI read `apiKey` from (`--api-key-file`), repeated in the commands a run prints: a path, never the key. */
  apiKeyFile?: string | undefined;
  /** @internal The `rate` window, ms (tests and benchmarks scale the contract's 60 s down). */
  rateWindowMs?: number | undefined;
  /** @internal Upper bound of the first retry's backoff, ms. */
  backoffBaseMs?: number | undefined;
}

/** Options of `exportCsv` (the CLI's `export` flags in camelCase). */
export interface ExportCsvOptions extends ApiOptions {
  /** The CSV file to write (appears only when complete); give `output` for a stream. */
  file?: string | undefined;
  /** A stream for the CSV instead of `file` (what it was sent cannot be taken back on failure). */
  output?: NodeJS.WritableStream | undefined;
  /** The API key; needs the `read` scope. */
  apiKey: string;
  /** `,` `;` or tab (also `comma`, `semicolon`, `tab`, `\t`). Default `,`. */
  delimiter?: string | undefined;
  /** Start with a UTF-8 BOM (Excel on Windows). Default off. */
  bom?: boolean | undefined;
  /** Only these channels: a list, or one comma list (`'whatsapp,voice'`). */
  channel?: string | readonly string[] | undefined;
  /** Only these statuses: a list, or one comma list. */
  status?: string | readonly string[] | undefined;
  /** Only created at or after this ISO date or date-time with a zone (inclusive). */
  createdAfter?: string | undefined;
  /** Only created before this ISO date or date-time with a zone (exclusive). */
  createdBefore?: string | undefined;
  /** Only rows where one of these fields (`name`, `language`) is empty: a list, or one comma list. */
  missing?: string | readonly string[] | undefined;
  /** Stop after writing this many rows. */
  limit?: number | undefined;
  /** The export's progress, now and then and once at the end. */
  onProgress?: ((state: ExportProgress) => void) | undefined;
  /** Aborting stops the export: the page in flight finishes, no file is written, `exit_code` 130 (129 with a `HangUp` as reason). */
  signal?: AbortSignal | undefined;
  /** Where warnings go; the library is silent without one. */
  logger?: Logger | undefined;
}

/** Options of `importCsv` that are used as given once checked: present, and never undefined. */
type Checked<K extends keyof ImportCsvOptions> = { [P in K]-?: Exclude<ImportCsvOptions[P], undefined> };
/** Options of `importCsv` used as given, undefined when absent. */
type Given<K extends keyof ImportCsvOptions> = { [P in K]-?: ImportCsvOptions[P] };

/** Everything an import run needs, checked once (import/options.ts). */
export interface ImportOptions
  extends Checked<'read' | 'matchBy' | 'empty' | 'allowClears' | 'yes' | 'detailedExitcode' | 'reportDir'>,
    Checked<'concurrency' | 'rate' | 'retries' | 'maxErrors' | 'rateWindowMs' | 'backoffBaseMs'>,
    Given<'input' | 'apiKeyFile' | 'sheet' | 'resume'> {
  /** Input path, or '-' for a stream (`input`). */
  file: string;
  mode: RunMode;
  /** API origin without a trailing slash. */
  baseUrl: string;
  /** Null only when no request will be sent (dry run). Never printed. */
  apiKey: string | null;
  /** The key's fingerprint, what the summary and the confirmation show of it; null without a key. */
  keyFingerprint: string | null;
  /** Normalised header → field, from `--map`. */
  map: ReadonlyMap<string, MappableField>;
  /** The `--map` arguments as typed, for the retry command and the journal. */
  mapArgs: readonly string[];
  delimiter: Delimiter | undefined;
  encoding: InputEncoding | undefined;
  timeoutMs: number;
  maxClears: ClearsLimit;
  network: NetworkOptions;
}
