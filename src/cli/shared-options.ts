import { DEFAULTS } from '../options.js';
import { GROUP, number, type OptionTable, text } from './option-table.js';

export const JOB_FILE_TEXT = '<job.json>  take the options from a job file; flags typed here override it';

/** `.config()`'s reader when main.ts saw no `--config` (job-file.ts not loaded): never called. */
export function noJobFile(): never {
  throw new Error('a job file was named in a form the command line check did not see');
}

export const JOB_OPTIONS: OptionTable = {
  // Described by `.config()` (JOB_FILE_TEXT).
  config: { group: GROUP.run, type: 'string', json: false, cliOnly: true },
  'save-config': text(GROUP.run, '<job.json>  write this command line as a job file and exit, running nothing', {
    json: false,
    cliOnly: true,
  }),
};

export const API_OPTIONS: OptionTable = {
  'base-url': text(GROUP.api, '<url>  API origin (env VOREL_BASE_URL)', { defaultDescription: DEFAULTS.baseUrl }),
  'api-key-file': text(GROUP.api, '<path>  file holding the API key (else env VOREL_API_KEY); never the key itself', {
    path: true,
    cliOnly: true,
  }),
  // Not in a job file: its URL may hold a password.
  proxy: text(GROUP.api, '<url>  every request through this HTTP proxy: http://[user:pass@]host:port (env HTTPS_PROXY; NO_PROXY applies)', {
    json: false,
  }),
  'ca-cert': text(GROUP.api, "<file>  PEM CA certificate(s) to trust besides Node's own (a TLS-inspecting proxy)", { path: true }),
};

export const PACE_OPTIONS: OptionTable = {
  rate: text(GROUP.pace, "<n|auto>  request starts per minute at most, or auto: as the API's rate headers allow (180 without them)", {
    default: String(DEFAULTS.rate),
    json: 'count-or-auto',
  }),
  retries: number(GROUP.pace, DEFAULTS.retries, '<n>  retries for 5xx, timeouts and network errors'),
  timeout: number(GROUP.pace, DEFAULTS.timeout, '<ms>  per-attempt timeout'),
};
