// Examples as `# what it does` over a line to paste: yargs' two-column examples wrap commands mid-word.
const DOCS_POINTER = 'Every option in detail: docs/cli.md (https://github.com/vorel/vorel-csv-sync/blob/main/docs/cli.md).';

export type Example = readonly [command: string, description: string];

export const TOP_EXAMPLES: readonly Example[] = [
  ['$0 import contacts.csv --dry-run', 'check a file: no network, no key'],
  ['$0 import contacts.csv --api-key-file ~/.vorel-key', 'update the conversations listed in contacts.csv'],
  ['$0 export conversations.csv', 'every conversation, ready to edit and import back'],
  ['$0 emulator --port 8080', 'a local Vorel API to rehearse against'],
];

export const IMPORT_EXAMPLES: readonly Example[] = [
  ['$0 import contacts.csv --dry-run', 'validate a file (a CI check): no network, no key; exit 1 when a row is invalid'],
  ['VOREL_API_KEY=vapk_live_... $0 import contacts.csv', 'update every row of contacts.csv (or --api-key-file ~/.vorel-key, chmod 600)'],
  ['$0 import contacts.csv --plan --api-key-file ~/.vorel-key', 'show what would change (plan.csv), send no update'],
  [
    '$0 import weekly.csv --only-changed --api-key-file ~/.vorel-key --quiet',
    'a weekly sync from cron: update only the rows that differ, keep rollback.csv',
  ],
  ['$0 import --config weekly.json', 'the same job every week, kept in a file (write one with --save-config weekly.json)'],
  ['$0 import big.csv --resume reports/<run-id>', 'continue an interrupted run (Ctrl-C, a reboot): rows already done are not sent again'],
  ['$0 import reports/<run-id>/failed.csv', 're-import the rows that failed (the summary prints the exact command)'],
  ['$0 import export.csv --encoding windows-1252', 'a file saved by Excel as "CSV (Comma delimited)" (the ; delimiter is detected)'],
  ['$0 import contacts.csv --empty keep --map "Full Name=customer_name"', 'empty cells leave fields untouched; map a header of your own'],
  [
    '$0 import reports/<run-id>/rollback.csv --empty null --allow-clears',
    'undo an --only-changed run (it restores empty values on purpose)',
  ],
  ['$0 import names-wiped.csv --allow-clears', 'clear fields on purpose: more than --max-clears (10% of the rows) may send empty values'],
  ['$0 import contacts.csv --yes', 'on a terminal, go on without the Proceed? [y/N] question (cron, CI and pipes are never asked)'],
  ['$0 import phones.csv --match-by customer_identifier', 'rows keyed by phone or email (optional channel column)'],
];

export const EXPORT_EXAMPLES: readonly Example[] = [
  ['$0 export conversations.csv', 'every conversation, ready to edit and import back'],
  ['$0 export --missing name,language --channel whatsapp > todo.csv', 'the clean-up list: WhatsApp rows lacking a name or language'],
  ['$0 export excel.csv --bom --delimiter ";"', 'for Excel on Windows with a comma decimal separator'],
  ['$0 export recent.csv --created-after 2025-01-01 --status active', 'active conversations since 2025 (the scan stops at older ones)'],
];

export const IMPORT_NOTES = [
  'Exit codes (cron: alert on anything but 0):',
  '  0    every row updated, unchanged, valid or would_update (also zero rows)',
  '  1    the run finished; some rows invalid, failed or not attempted (see failed.csv)',
  '  2    usage, key or file error, the clears guard, or a declined confirmation: nothing sent',
  '  3    aborted: 401/403 (key, scope), --max-errors consecutive failures, a write error in',
  '       the run folder (disk full, folder gone) or the input file changing mid-run',
  '  4    --plan --detailed-exitcode: changes are pending',
  '  130  interrupted (Ctrl-C, SIGTERM): reports written, resume with --resume <run-folder>',
  '  129  hang-up (SIGHUP, the SSH connection dropped): handled like 130',
  '',
  'The key comes from VOREL_API_KEY or --api-key-file, never from a flag. Progress goes to stderr,',
  'the summary to stdout (--json: summary.json). Reports: <report-dir>/<run-folder>/report.html.',
  DOCS_POINTER,
].join('\n');

export const EXPORT_NOTES = [
  'Exit codes:',
  '  0    every conversation asked for was written',
  '  2    usage, key or job-file error: nothing was read',
  '  3    stopped: 401/403 (key, read scope), --max-errors consecutive failures, or the output',
  '       could not be written (disk full, folder gone, closed pipe); no file is left behind',
  '  130  interrupted (Ctrl-C, SIGTERM); 129 hang-up (SIGHUP): no file is left behind',
  '',
  DOCS_POINTER,
].join('\n');

export const EMULATOR_EXAMPLES: readonly Example[] = [
  ['$0 emulator --port 8080', 'a local Vorel API with 1000 conversations; prints VOREL_BASE_URL and a demo key'],
  ['$0 emulator --latency-ms 200 --rate-limit 20 --window-ms 4000', 'slow and strict: watch the progress bar wait for the rate limit'],
  ['$0 emulator --fail-rate 0.1 --reset-after-rate 0.05 --seed 7', 'a flaky API: 500s and dropped connections, the same ones every run'],
  ['$0 emulator --scopes conversations:write', 'a key without the read scope (--plan and --only-changed stop with 403)'],
];

export const EMULATOR_NOTES = [
  'It prints `export VOREL_BASE_URL=…` and `export VOREL_API_KEY=…` lines: paste them into another shell.',
  'Exit codes: 0 stopped by Ctrl-C or SIGTERM; 2 a bad option.',
  DOCS_POINTER,
].join('\n');

export function helpEpilogue(examples: readonly Example[], notes?: string): string {
  const body = examples.map(([command, description]) => `  # ${description}\n  ${command}`).join('\n\n');
  return `Examples:\n${body}${notes === undefined ? '' : `\n\n${notes}`}`;
}
