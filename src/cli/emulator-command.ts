import type { Argv } from 'yargs';
import { DEFAULT_RATE_LIMIT, DEFAULT_SCOPES, type EmulatorCommandArgs, runEmulatorCommand } from '../emulator/index.js';
import { EMULATOR_EXAMPLES, EMULATOR_NOTES, helpEpilogue } from './help.js';
import type { CliIo } from './main.js';
import { libraryOptions, type OptionTable, type ParsedArgs, yargsOptions } from './option-table.js';

const SERVER = 'Server:';
const FAULTS = 'Faults:';
const option = (group: string, type: 'number' | 'string', dflt: unknown, describe: string) => ({ group, type, default: dflt, describe });

export const EMULATOR_OPTIONS: OptionTable = {
  port: option(SERVER, 'number', 0, '<n>  port on 127.0.0.1 (0 = any free port)'),
  seed: option(SERVER, 'number', 1, '<n>  seed of the generated data and faults'),
  count: option(SERVER, 'number', 1000, '<n>  conversations to generate'),
  scopes: option(SERVER, 'string', DEFAULT_SCOPES.join(','), '<list>  scopes of the printed key, comma-separated'),
  'rate-limit': option(SERVER, 'number', DEFAULT_RATE_LIMIT.limit, '<n>  requests per window per key (0 = no limit)'),
  'window-ms': option(SERVER, 'number', DEFAULT_RATE_LIMIT.windowMs, '<ms>  rate-limit window length'),
  'dump-on-exit': { group: SERVER, type: 'string', describe: '<file>  write the final state as JSON to this file on exit' },
  'tls-cert': { group: SERVER, type: 'string', describe: '<pem>  serve HTTPS with this certificate (needs --tls-key)' },
  'tls-key': { group: SERVER, type: 'string', describe: "<pem>  the certificate's private key" },
  'fail-rate': option(FAULTS, 'number', 0, '<p>  probability of a 500/502/503 answer'),
  'reset-before-rate': option(FAULTS, 'number', 0, '<p>  probability of resetting the connection before applying a write'),
  'reset-after-rate': option(FAULTS, 'number', 0, '<p>  probability of resetting the connection after applying a write'),
  'hang-rate': option(FAULTS, 'number', 0, '<p>  probability of never answering'),
  'latency-ms': option(FAULTS, 'number', 0, '<ms>  added latency'),
  'latency-jitter-ms': option(FAULTS, 'number', 0, '<ms>  plus random latency up to this much'),
  'failing-ids': { group: FAULTS, type: 'string', array: true, default: [], describe: '<id>  ids whose PATCH always answers 500 (repeat)' },
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
