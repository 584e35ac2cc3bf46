/** `vorel-sync emulator`: its flags, and the glue from them to the emulator command. */
import type { Argv } from 'yargs';
import { DEFAULT_RATE_LIMIT, DEFAULT_SCOPES, runEmulatorCommand } from '../emulator/index.js';
import { EMULATOR_EXAMPLES, helpEpilogue } from './help.js';
import type { CliIo } from './main.js';

export function emulatorCommand(y: Argv): Argv {
  return y
    .option('port', { type: 'number', default: 0, describe: 'port on 127.0.0.1 (0 = any free port)' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the generated data and faults' })
    .option('count', { type: 'number', default: 1000, describe: 'conversations to generate' })
    .option('scopes', { type: 'string', default: DEFAULT_SCOPES.join(','), describe: 'scopes of the printed key, comma-separated' })
    .option('rate-limit', { type: 'number', default: DEFAULT_RATE_LIMIT.limit, describe: 'requests per window per key (0 = no limit)' })
    .option('window-ms', { type: 'number', default: DEFAULT_RATE_LIMIT.windowMs, describe: 'rate-limit window length in ms' })
    .option('fail-rate', { type: 'number', default: 0, describe: 'probability of a 500/502/503 answer' })
    .option('reset-before-rate', {
      type: 'number',
      default: 0,
      describe: 'probability of resetting the connection before applying a write',
    })
    .option('reset-after-rate', { type: 'number', default: 0, describe: 'probability of resetting the connection after applying a write' })
    .option('hang-rate', { type: 'number', default: 0, describe: 'probability of never answering' })
    .option('latency-ms', { type: 'number', default: 0, describe: 'added latency in ms' })
    .option('latency-jitter-ms', { type: 'number', default: 0, describe: 'plus random latency up to this many ms' })
    .option('failing-ids', { type: 'string', array: true, default: [], describe: 'ids whose PATCH always answers 500' })
    .option('dump-on-exit', { type: 'string', describe: 'write the final state as JSON to this file on exit' })
    .epilogue(helpEpilogue(EMULATOR_EXAMPLES));
}

export async function runEmulator(args: Record<string, unknown>, io: CliIo): Promise<number> {
  const num = (k: string): number => Number(args[k]);
  return runEmulatorCommand(
    {
      port: num('port'),
      seed: num('seed'),
      count: num('count'),
      scopes: String(args.scopes)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      rateLimit: num('rate-limit'),
      windowMs: num('window-ms'),
      failRate: num('fail-rate'),
      resetBeforeRate: num('reset-before-rate'),
      resetAfterRate: num('reset-after-rate'),
      hangRate: num('hang-rate'),
      latencyMs: num('latency-ms'),
      latencyJitterMs: num('latency-jitter-ms'),
      failingIds: (args['failing-ids'] as string[]).map(String),
      ...(typeof args['dump-on-exit'] === 'string' ? { dumpOnExit: args['dump-on-exit'] } : {}),
    },
    { stdout: io.stdout, stderr: io.stderr, signal: io.signal },
  );
}
