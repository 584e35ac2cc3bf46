/** What import and export both set up to reach the API: the key, the proxy, the progress display and the log. */
import { rateSetting } from '../checks.js';
import { createLogger } from '../log.js';
import type { Verbosity } from '../options.js';
import { loadApiKey } from './key-source.js';
import type { CliIo } from './main.js';
import type { ParsedArgs } from './option-table.js';
import { createProgress } from './progress.js';

/** `keyHint` is said when no key is found; null: no key is needed (a dry run). Secrets go to `secrets`, for the error printer. */
export function apiSession(
  args: ParsedArgs,
  io: CliIo,
  secrets: string[],
  opts: { verbosity: Verbosity; keyHint: string | null; baseUrl: string | undefined },
) {
  const keyFile = args['api-key-file'] as string | undefined;
  const key = opts.keyHint === null ? null : loadApiKey({ env: io.env.VOREL_API_KEY, file: keyFile, hint: opts.keyHint });
  if (key !== null) secrets.push(key.key);
  const network = networkOptions(args, io.env, opts.baseUrl);
  secrets.push(...proxySecrets(network.proxy));
  const rate = rateSetting(args.rate as string);
  const progress = createProgress({ stderr: io.stderr, env: io.env, verbosity: opts.verbosity });
  const logger = createLogger(progress?.logStream ?? io.stderr, opts.verbosity, secrets);
  for (const w of key?.warnings ?? []) logger.warn(w);
  const options = { apiKey: key?.key, baseUrl: opts.baseUrl, rate, onProgress: progress?.update, signal: io.signal, logger, ...network };
  return { options, keyFile: key === null ? undefined : keyFile, logger, close: () => progress?.close() };
}

/** The library reads no proxy variable; a lower-case one wins, as curl and proxy-from-env read them. */
function networkOptions(args: ParsedArgs, env: CliIo['env'], baseUrl: string | undefined) {
  const plain = baseUrl?.startsWith('http://') === true;
  const fromEnv = plain ? (env.http_proxy ?? env.HTTP_PROXY) : (env.https_proxy ?? env.HTTPS_PROXY);
  const proxy = (args.proxy as string | undefined) ?? (fromEnv === '' ? undefined : fromEnv);
  return { proxy, noProxy: env.no_proxy ?? env.NO_PROXY, caCert: args['ca-cert'] as string | undefined };
}

/** The proxy's password, for the error printer to scrub echoes of. */
function proxySecrets(proxy: string | undefined): string[] {
  if (proxy === undefined) return [];
  try {
    const { password } = new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
    // A very short password would scrub ordinary words out of every message.
    return password.length >= 6 ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}
