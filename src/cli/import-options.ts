import { DEFAULTS } from '../options.js';
import { GROUP, type OptionTable } from './option-table.js';
import { API_OPTIONS, JOB_OPTIONS, PACE_OPTIONS } from './shared-options.js';

const flag = (group: string, describe: string) => ({ group, type: 'boolean', default: false, describe }) as const;

export const IMPORT_OPTIONS: OptionTable = {
  'dry-run': flag(GROUP.run, 'parse and validate only; no network, no key'),
  plan: flag(GROUP.run, 'read current values, write plan.csv of what would change; send no PATCH'),
  'only-changed': flag(GROUP.run, 'read current values first; PATCH only rows that differ (writes rollback.csv)'),
  resume: {
    group: GROUP.run,
    type: 'string',
    describe: '<run-folder>  continue an interrupted run: rows already done are not sent again',
    path: true,
  },
  ...JOB_OPTIONS,
  // read, match-by and empty have no yargs default: a resume must know whether they were typed.
  'match-by': {
    group: GROUP.input,
    type: 'string',
    defaultDescription: DEFAULTS.matchBy,
    describe: '<id|customer_identifier>  key rows by conversation id, or by phone/email (optional channel column)',
    choices: ['id', 'customer_identifier'],
  },
  map: {
    group: GROUP.input,
    type: 'string',
    array: true,
    default: [],
    describe: '<column>=<field>  map a header of yours to a field (repeat)',
  },
  empty: {
    group: GROUP.input,
    type: 'string',
    defaultDescription: DEFAULTS.empty,
    describe: '<null|keep>  an empty cell sends null (clears the field) or leaves the field out',
    choices: ['null', 'keep'],
  },
  delimiter: {
    group: GROUP.input,
    type: 'string',
    describe: '<c>  field delimiter: any one character (| ^ ~ …) or tab (default: , ; or tab, detected)',
  },
  encoding: {
    group: GROUP.input,
    type: 'string',
    describe: '<e>  utf-8, utf-16le, utf-16be, windows-1252 or latin1 (default: UTF-8, or UTF-16 by BOM)',
  },
  sheet: { group: GROUP.input, type: 'string', describe: '<name>  the worksheet of an .xlsx input (default: the first)' },
  ...API_OPTIONS,
  read: {
    group: GROUP.api,
    type: 'string',
    defaultDescription: DEFAULTS.read,
    describe: '<auto|get|list>  how current values are read: a GET per row, or a scan of the list (auto: GET under 500 rows)',
    choices: ['auto', 'get', 'list'],
  },
  concurrency: { group: GROUP.pace, type: 'number', default: DEFAULTS.concurrency, describe: '<n>  requests in flight at most' },
  ...PACE_OPTIONS,
  'max-errors': {
    group: GROUP.pace,
    type: 'number',
    default: DEFAULTS.maxErrors,
    describe: '<n>  stop after this many consecutive server-side failures (0 = never)',
  },
  'max-clears': {
    group: GROUP.safety,
    type: 'string',
    defaultDescription: DEFAULTS.maxClears,
    describe: '<n|n%>  refuse the run when more rows than this clear a field (rows, or a share of the data rows)',
    json: 'count-or-text',
  },
  'allow-clears': flag(GROUP.safety, 'lift the clears guard: the clears are intended'),
  yes: { group: GROUP.safety, alias: 'y', type: 'boolean', default: false, describe: 'do not ask for confirmation on a terminal' },
  'report-dir': { group: GROUP.output, type: 'string', default: DEFAULTS.reportDir, describe: '<dir>  where run folders go', path: true },
  json: { ...flag(GROUP.output, 'print the final summary as JSON on stdout'), cliOnly: true },
  'detailed-exitcode': flag(GROUP.output, 'with --plan: exit 4 when changes are pending'),
  quiet: { group: GROUP.output, type: 'boolean', describe: 'only errors and the final summary', cliOnly: true },
  verbose: { group: GROUP.output, type: 'boolean', describe: 'more detail on stderr', cliOnly: true },
  // Test and benchmark knobs (not in the contract nor a job file): scale the 60 s window and 500 ms backoff down.
  'rate-window-ms': { type: 'number', hidden: true },
  'backoff-base-ms': { type: 'number', hidden: true },
};
