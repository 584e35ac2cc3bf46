import { DEFAULTS } from '../options.js';
import { GROUP, type OptionTable } from './option-table.js';

export const JOB_FILE_TEXT = '<job.json>  take the options from a job file; flags typed here override it';

/** `.config()`'s reader when main.ts saw no `--config` (job-file.ts not loaded): never called. */
export function noJobFile(): never {
  throw new Error('a job file was named in a form the command line check did not see');
}

export const JOB_OPTIONS: OptionTable = {
  // Described by `.config()` (JOB_FILE_TEXT).
  config: { group: GROUP.run, type: 'string', json: false, cliOnly: true },
  'save-config': {
    group: GROUP.run,
    type: 'string',
    describe: '<job.json>  write this command line as a job file and exit, running nothing',
    json: false,
    cliOnly: true,
  },
};

export const API_OPTIONS: OptionTable = {
  'base-url': {
    group: GROUP.api,
    type: 'string',
    defaultDescription: DEFAULTS.baseUrl,
    describe: '<url>  API origin (env VOREL_BASE_URL)',
  },
  'api-key-file': {
    group: GROUP.api,
    type: 'string',
    describe: '<path>  file holding the API key (else env VOREL_API_KEY); never the key itself',
    path: true,
    cliOnly: true,
  },
  // Not in a job file: its URL may hold a password.
  proxy: {
    group: GROUP.api,
    type: 'string',
    describe: '<url>  every request through this HTTP proxy: http://[user:pass@]host:port (env HTTPS_PROXY; NO_PROXY applies)',
    json: false,
  },
  'ca-cert': {
    group: GROUP.api,
    type: 'string',
    describe: "<file>  PEM CA certificate(s) to trust besides Node's own (a TLS-inspecting proxy)",
    path: true,
  },
};

export const PACE_OPTIONS: OptionTable = {
  rate: {
    group: GROUP.pace,
    type: 'string',
    default: String(DEFAULTS.rate),
    describe: "<n|auto>  request starts per minute at most, or auto: as the API's rate headers allow (180 without them)",
    json: 'count-or-auto',
  },
  retries: { group: GROUP.pace, type: 'number', default: DEFAULTS.retries, describe: '<n>  retries for 5xx, timeouts and network errors' },
  timeout: { group: GROUP.pace, type: 'number', default: DEFAULTS.timeout, describe: '<ms>  per-attempt timeout' },
};
