/** `--help` examples: the recipes people reach for first. */
export const IMPORT_EXAMPLES: [string, string][] = [
  ['$0 import contacts.csv --dry-run', 'validate a file: no network, no key'],
  ['VOREL_API_KEY=... $0 import contacts.csv', 'update every row of contacts.csv'],
  ['$0 import contacts.csv --api-key-file ~/.vorel-key --empty keep', 'empty cells leave fields untouched'],
  ['$0 import export.csv --encoding windows-1252 --delimiter ";"', 'a file from Excel in Germany'],
  ['$0 import reports/<run>/failed.csv', 're-import the rows that failed last time'],
  ['$0 import contacts.csv --plan', 'read current values, write plan.csv; no PATCH'],
  ['$0 import contacts.csv --only-changed', 'PATCH only rows that differ; writes rollback.csv'],
  ['$0 import reports/<run>/rollback.csv --empty null', 'undo a run'],
  ['$0 import phones.csv --match-by customer_identifier', 'rows keyed by phone or email (optional channel column)'],
];

export const EMULATOR_EXAMPLES: [string, string][] = [
  ['$0 emulator --port 8080', 'a local Vorel API with 1000 conversations; prints its URL and demo key'],
  ['$0 emulator --rate-limit 20 --window-ms 2000 --fail-rate 0.1', 'a strict, flaky API to rehearse against'],
];
