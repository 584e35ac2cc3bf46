/** `vorel-sync emulator` (docs/cli.md): run the emulator until aborted, print how to reach it. */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { startEmulator } from './server.js';
import type { FaultOptions } from './faults.js';
import type { Emulator, EmulatorOptions } from './options.js';

/** The parsed options of `vorel-sync emulator` (the CLI maps its flags onto these): the faults, with `--fail-rate` named as the flag is. */
export interface EmulatorCommandArgs extends Omit<FaultOptions, 'serverErrorRate'> {
  port: number;
  seed: number;
  count: number;
  scopes: string[];
  /** Requests per window per key; null or 0 turns the limiter off. */
  rateLimit: number | null;
  windowMs: number;
  /** Probability of an injected 500/502/503. */
  failRate: number;
  /** Write the final state here (JSON, mode 0600: it holds customer names) when stopping. */
  dumpOnExit?: string | undefined;
  /** PEM files of a certificate and its key: serve HTTPS. Both or neither. */
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

/** Where the command writes, and what stops it. */
export interface EmulatorCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stops the emulator when aborted (the CLI aborts it on SIGINT/SIGTERM). */
  signal: AbortSignal;
}

/** `--tls-cert` and `--tls-key`, read: both or neither, each a readable file. */
function tlsOf(args: EmulatorCommandArgs): EmulatorOptions['tls'] {
  if (args.tlsCert === undefined && args.tlsKey === undefined) return undefined;
  if (args.tlsCert === undefined || args.tlsKey === undefined) {
    throw new UsageError('emulator: --tls-cert and --tls-key go together (a certificate and its private key, PEM)', 'bad_emulator_option');
  }
  const read = (flag: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`emulator: ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, 'bad_emulator_option', {
        cause: error,
      });
    }
  };
  return { cert: read('--tls-cert', args.tlsCert), key: read('--tls-key', args.tlsKey) };
}

function toOptions(args: EmulatorCommandArgs): EmulatorOptions {
  const tls = tlsOf(args);
  return {
    ...(tls !== undefined ? { tls } : {}),
    port: args.port,
    seed: args.seed,
    count: args.count,
    scopes: args.scopes,
    rateLimit: args.rateLimit ? { limit: args.rateLimit, windowMs: args.windowMs } : null,
    faults: {
      serverErrorRate: args.failRate,
      resetBeforeRate: args.resetBeforeRate,
      resetAfterRate: args.resetAfterRate,
      hangRate: args.hangRate,
      latencyMs: args.latencyMs,
      latencyJitterMs: args.latencyJitterMs,
      failingIds: args.failingIds,
    },
  };
}

/** Resolves when the signal aborts. */
function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** The in-process option names a range check reports, as the flags a command-line user typed. */
const FLAG_OF: Readonly<Record<string, string>> = {
  serverErrorRate: '--fail-rate',
  resetBeforeRate: '--reset-before-rate',
  resetAfterRate: '--reset-after-rate',
  hangRate: '--hang-rate',
  latencyMs: '--latency-ms',
  latencyJitterMs: '--latency-jitter-ms',
};

function asFlags(message: string): string {
  return message.replace(/^\w+/, (name) => FLAG_OF[name] ?? name);
}

/**
 * Starts the emulator, prints `export VOREL_BASE_URL=` and `export VOREL_API_KEY=` lines (other
 * lines are `#` comments, so stdout pasted into a shell sets both for the next command), runs
 * until stopped, optionally dumps the state, and resolves 0. Never calls process.exit. Bad
 * options throw a UsageError.
 */
export async function runEmulatorCommand(args: EmulatorCommandArgs, io: EmulatorCommandIo): Promise<number> {
  let emulator: Emulator;
  try {
    emulator = await startEmulator(toOptions(args));
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`emulator: ${asFlags(err.message)}`, 'bad_emulator_option', { cause: err.cause });
    throw err;
  }
  const limit = args.rateLimit ? `${args.rateLimit} requests per ${args.windowMs} ms per key` : 'off';
  io.stdout.write(
    [
      `# Vorel API emulator: ${args.count} conversations (seed ${args.seed}), rate limit ${limit}.`,
      `# The key below is the emulator's own throwaway key (scopes: ${args.scopes.join(', ') || 'none'}), not a real secret.`,
      '# Paste the two export lines into another shell, then get ids to edit with: vorel-sync export conversations.csv',
      `export VOREL_BASE_URL=${emulator.baseUrl}`,
      `export VOREL_API_KEY=${emulator.apiKey}`,
      '# fixtures/sample.csv holds ids of the default data (--seed 1 --count 1000). Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  try {
    await untilStopped(io.signal);
  } finally {
    await emulator.close();
  }
  if (args.dumpOnExit !== undefined) {
    await writeFile(args.dumpOnExit, `${JSON.stringify(emulator.dump(), null, 2)}\n`, { mode: 0o600 });
    io.stderr.write(`# emulator state written to ${args.dumpOnExit}\n`);
  }
  io.stderr.write(`# emulator stopped after ${emulator.requests.length} requests\n`);
  return 0;
}
