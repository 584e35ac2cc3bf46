import { redact } from './api/redact.js';
import type { Verbosity } from './options.js';

/** stderr messages, every line scrubbed of the secrets: even a bug upstream cannot print the key. */
export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export function createLogger(stderr: NodeJS.WritableStream, verbosity: Verbosity, secrets: readonly string[] = []): Logger {
  const write = (prefix: string, message: string): void => {
    stderr.write(`${prefix}${scrubSecrets(message, secrets)}\n`);
  };
  const loud = verbosity !== 'quiet';
  return {
    error: (m) => write('error: ', m),
    warn: (m) => {
      if (loud) write('warning: ', m);
    },
    info: (m) => {
      if (loud) write('', m);
    },
    debug: (m) => {
      if (verbosity === 'verbose') write('debug: ', m);
    },
  };
}

/** The API layer's redactor, for every line the CLI prints. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = redact(out, secret);
  return out;
}

export const SILENT_LOGGER: Logger = Object.freeze({
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
});
