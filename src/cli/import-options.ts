/** The options of `vorel-sync import`, in the groups of its `--help` (option-table.ts says how they are used). */
import { z } from 'zod';
import { DEFAULTS } from '../options.js';
import { GROUP, JSON_TYPE, type OptionTable, oneOf } from './option-table.js';
import { API_OPTIONS, JOB_OPTIONS, PACE_OPTIONS } from './shared-options.js';

const flag = (group: string, describe: string) =>
  ({
    yargs: { group, type: 'boolean', default: false, describe },
    json: JSON_TYPE.flag,
  }) as const;

export const IMPORT_OPTIONS: OptionTable = {
  'dry-run': flag(GROUP.run, 'parse and validate only; no network, no key'),
  plan: flag(GROUP.run, 'read current values, write plan.csv of what would change; send no PATCH'),
  'only-changed': flag(GROUP.run, 'read current values first; PATCH only rows that differ (writes rollback.csv)'),
  resume: {
    yargs: {
      group: GROUP.run,
      type: 'string',
      describe: '<run-folder>  continue an interrupted run: rows already done are not sent again',
    },
    json: JSON_TYPE.text,
    path: true,
  },
  ...JOB_OPTIONS,
  // read, match-by and empty have no yargs default: a resume must know whether they were typed.
  'match-by': {
    yargs: {
      group: GROUP.input,
      type: 'string',
      defaultDescription: DEFAULTS.matchBy,
      describe: '<id|customer_identifier>  key rows by conversation id, or by phone/email (optional channel column)',
    },
    json: oneOf(['id', 'customer_identifier']),
    choices: ['id', 'customer_identifier'],
  },
  map: {
    yargs: {
      group: GROUP.input,
      type: 'string',
      array: true,
      default: [],
      describe: '<column>=<field>  map a header of yours to a field (repeat)',
    },
    json: JSON_TYPE.list,
  },
  empty: {
    yargs: {
      group: GROUP.input,
      type: 'string',
      defaultDescription: DEFAULTS.empty,
      describe: '<null|keep>  an empty cell sends null (clears the field) or leaves the field out',
    },
    json: oneOf(['null', 'keep']),
    choices: ['null', 'keep'],
  },
  delimiter: {
    yargs: {
      group: GROUP.input,
      type: 'string',
      describe: '<c>  field delimiter: any one character (| ^ ~ …) or tab (default: , ; or tab, detected)',
    },
    json: JSON_TYPE.text,
  },
  encoding: {
    yargs: {
      group: GROUP.input,
      type: 'string',
      describe: '<e>  utf-8, utf-16le, utf-16be, windows-1252 or latin1 (default: UTF-8, or UTF-16 by BOM)',
    },
    json: JSON_TYPE.text,
  },
  sheet: {
    yargs: { group: GROUP.input, type: 'string', describe: '<name>  the worksheet of an .xlsx input (default: the first)' },
    json: JSON_TYPE.text,
  },
  ...API_OPTIONS,
  read: {
    yargs: {
      group: GROUP.api,
      type: 'string',
      defaultDescription: DEFAULTS.read,
      describe: '<auto|get|list>  how current values are read: a GET per row, or a scan of the list (auto: GET under 500 rows)',
    },
    json: oneOf(['auto', 'get', 'list']),
    choices: ['auto', 'get', 'list'],
  },
  concurrency: {
    yargs: { group: GROUP.pace, type: 'number', default: DEFAULTS.concurrency, describe: '<n>  requests in flight at most' },
    json: JSON_TYPE.count,
  },
  ...PACE_OPTIONS,
  'max-errors': {
    yargs: {
      group: GROUP.pace,
      type: 'number',
      default: DEFAULTS.maxErrors,
      describe: '<n>  stop after this many consecutive server-side failures (0 = never)',
    },
    json: JSON_TYPE.count,
  },
  'max-clears': {
    yargs: {
      group: GROUP.safety,
      type: 'string',
      defaultDescription: DEFAULTS.maxClears,
      describe: '<n|n%>  refuse the run when more rows than this clear a field (rows, or a share of the data rows)',
    },
    json: z.union([z.number().int(), z.string()]),
  },
  'allow-clears': flag(GROUP.safety, 'lift the clears guard: the clears are intended'),
  yes: {
    yargs: { group: GROUP.safety, alias: 'y', type: 'boolean', default: false, describe: 'do not ask for confirmation on a terminal' },
    json: JSON_TYPE.flag,
  },
  'report-dir': {
    yargs: { group: GROUP.output, type: 'string', default: DEFAULTS.reportDir, describe: '<dir>  where run folders go' },
    json: JSON_TYPE.text,
    path: true,
  },
  json: flag(GROUP.output, 'print the final summary as JSON on stdout'),
  'detailed-exitcode': flag(GROUP.output, 'with --plan: exit 4 when changes are pending'),
  quiet: { yargs: { group: GROUP.output, type: 'boolean', describe: 'only errors and the final summary' }, json: JSON_TYPE.flag },
  verbose: { yargs: { group: GROUP.output, type: 'boolean', describe: 'more detail on stderr' }, json: JSON_TYPE.flag },
  // Test and benchmark knobs, not part of the contract (nor of a job file): scale the 60 s rate
  // window and the 500 ms backoff base down so a run that would take minutes takes seconds.
  'rate-window-ms': { yargs: { type: 'number', hidden: true } },
  'backoff-base-ms': { yargs: { type: 'number', hidden: true } },
};
