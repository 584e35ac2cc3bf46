import type { Delimiter, InputEncoding } from './types.js';

/** Fields a CSV column can be mapped to (contract: `--map`). */
export const MAPPABLE_FIELDS = ['id', 'customer_name', 'customer_language', 'customer_identifier', 'channel'] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];

export type RunMode = 'import' | 'dry-run' | 'plan' | 'only-changed';
export type ReadStrategy = 'auto' | 'get' | 'list';
export type MatchBy = 'id' | 'customer_identifier';
export type EmptyCells = 'null' | 'keep';
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** Everything an import run needs, parsed and checked once at the CLI edge. */
export interface ImportOptions {
  /** Input path, or '-' for stdin. */
  file: string;
  mode: RunMode;
  /** API origin without a trailing slash. */
  baseUrl: string;
  /** Null only when no request will be sent (dry run). Never printed. */
  apiKey: string | null;
  read: ReadStrategy;
  matchBy: MatchBy;
  empty: EmptyCells;
  /** Normalised header → field, from `--map`. */
  map: ReadonlyMap<string, MappableField>;
  /** The `--map` arguments as typed, for the retry command and the journal. */
  mapArgs: readonly string[];
  delimiter: Delimiter | undefined;
  encoding: InputEncoding | undefined;
  concurrency: number;
  rate: number;
  retries: number;
  timeoutMs: number;
  maxErrors: number;
  detailedExitcode: boolean;
  reportDir: string;
  resume: string | undefined;
  json: boolean;
  verbosity: Verbosity;
  /**
   * Internal knob, not a user option (hidden `--rate-window-ms`): the `--rate` window, ms. The
   * contract's window is 60 s; tests and benchmarks scale it down to run in seconds.
   */
  rateWindowMs: number;
  /** Internal knob (hidden `--backoff-base-ms`): upper bound of the first retry's backoff, ms. */
  backoffBaseMs: number;
}

/** Contract defaults (docs/cli.md, `import` options). */
export const DEFAULTS = Object.freeze({
  baseUrl: 'https://app.vorel.ai',
  read: 'auto' as ReadStrategy,
  matchBy: 'id' as MatchBy,
  empty: 'null' as EmptyCells,
  concurrency: 4,
  rate: 180,
  retries: 5,
  timeoutMs: 30_000,
  maxErrors: 20,
  reportDir: 'reports',
  rateWindowMs: 60_000,
  backoffBaseMs: 500,
});
