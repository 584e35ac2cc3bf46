import type { Argv } from 'yargs';
import { DEFAULT_RATE_LIMIT, DEFAULT_SCOPES, type EmulatorCommandArgs, runEmulatorCommand } from '../emulator/index.js';
import { EMULATOR_EXAMPLES, EMULATOR_NOTES, helpEpilogue } from './help.js';
import type { CliIo } from './main.js';
import { libraryOptions, number, type OptionTable, type ParsedArgs, text, yargsOptions } from './option-table.js';

const SERVER = 'Server:';
const FAULTS = 'Faults:';
export const EMULATOR_OPTIONS: OptionTable = {
  port: number(SERVER, 0, '<n>  port on 127.0.0.1 (0 = any free port)'),
  seed: number(SERVER, 1, '<n>  seed of the generated data and faults'),
  count: number(SERVER, 1000, '<n>  conversations to generate'),
  scopes: text(SERVER, '<list>  scopes of the printed key, comma-separated', { default: DEFAULT_SCOPES.join(',') }),
  'rate-limit': number(SERVER, DEFAULT_RATE_LIMIT.limit, '<n>  requests per window per key (0 = no limit)'),
  'window-ms': number(SERVER, DEFAULT_RATE_LIMIT.windowMs, '<ms>  rate-limit window length'),
  'dump-on-exit': text(SERVER, '<file>  write the final state as JSON to this file on exit'),
  'tls-cert': text(SERVER, '<pem>  serve HTTPS with this certificate (needs --tls-key)'),
  'tls-key': text(SERVER, "<pem>  the certificate's private key"),
  'fail-rate': number(FAULTS, 0, '<p>  probability of a 500/502/503 answer'),
  'reset-before-rate': number(FAULTS, 0, '<p>  probability of resetting the connection before applying a write'),
  'reset-after-rate': number(FAULTS, 0, '<p>  probability of resetting the connection after applying a write'),
  'hang-rate': number(FAULTS, 0, '<p>  probability of never answering'),
  'latency-ms': number(FAULTS, 0, '<ms>  added latency'),
  'latency-jitter-ms': number(FAULTS, 0, '<ms>  plus random latency up to this much'),
  'failing-ids': text(FAULTS, '<id>  ids whose PATCH always answers 500 (repeat)', { array: true, default: [] }),
};

export function emulatorCommand(y: Argv): Argv {
  return y.options(yargsOptions(EMULATOR_OPTIONS)).version(false).epilogue(helpEpilogue(EMULATOR_EXAMPLES, EMULATOR_NOTES));
}

export async function runEmulator(args: ParsedArgs, io: CliIo): Promise<number> {
  const options = {
    ...libraryOptions(args, EMULATOR_OPTIONS),
    scopes: String(args.scopes)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    failingIds: (args['failing-ids'] as unknown[]).map(String),
  } as EmulatorCommandArgs;
  return runEmulatorCommand(options, { stdout: io.stdout, stderr: io.stderr, signal: io.signal });
}
