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

export const EXPORT_EXAMPLES: [string, string][] = [
  ['$0 export conversations.csv', 'every conversation, ready to edit and import back'],
  ['$0 export --missing name,language --channel whatsapp > todo.csv', 'the clean-up list: WhatsApp rows lacking a name or language'],
  ['$0 export excel.csv --bom --delimiter ";"', 'for Excel on Windows with a comma decimal separator'],
  ['$0 export recent.csv --created-after 2025-01-01 --status active', 'active conversations since 2025 (the scan stops at older ones)'],
];
