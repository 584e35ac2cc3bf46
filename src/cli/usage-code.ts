/**
 * The stable code of a command line yargs refused, from its message: the same code the library
 * gives for the same mistake (a value outside an option's choices is `bad_argument` in both).
 */
import type { UsageCode } from '../errors.js';

const RULES: readonly (readonly [RegExp, UsageCode])[] = [
  // strict mode: an unknown option or a stray positional; recommendCommands: a mistyped command
  [/^Unknown arguments?:|^Unknown command|^Did you mean /, 'unknown_option'],
  [/^Invalid values?:|^Not enough arguments following:|^Missing required arguments?:/, 'bad_argument'],
  [/mutually exclusive/, 'conflicting_options'],
];

/** `import` without its file is the library's `no_input`; no command at all, like an unknown one, `unknown_option`. */
export function usageCodeOf(message: string, argv: readonly string[]): UsageCode {
  if (/^Not enough non-option arguments/.test(message)) return argv[0] === 'import' ? 'no_input' : 'unknown_option';
  for (const [pattern, code] of RULES) if (pattern.test(message)) return code;
  return argv.length === 0 || !['import', 'export', 'emulator'].includes(argv[0] ?? '') ? 'unknown_option' : 'bad_argument';
}
