import { redact } from './api/redact.js';
import type { Verbosity } from './options.js';

/** stderr messages. Every line passes through `scrub`, so even a bug upstream cannot print the key. */
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

/** Every line the CLI prints passes through the same redactor as the API layer's messages. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = redact(out, secret);
  return out;
}

/** The library's logger when it is given none: it says nothing. */
export const SILENT_LOGGER: Logger = Object.freeze({
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
});
