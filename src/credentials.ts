import { readFileSync, statSync } from 'node:fs';
import { UsageError } from './errors.js';

/** Client-side key check (vorel-api.md §3: do not hard-code the total length). */
export const API_KEY_PATTERN = /^vapk_[a-z]+_[0-9a-f]{48}$/;

/** Flags that would put the key in `ps` and shell history; refused without echoing the value. */
const KEY_FLAG = /^--?api[-_]?key(=|$)/i;

export function refuseKeyOnCommandLine(argv: readonly string[]): void {
  if (argv.some((arg) => KEY_FLAG.test(arg))) {
    throw new UsageError(
      'the API key cannot be given as a command-line option (it would show in `ps` and shell history); ' +
        'set VOREL_API_KEY or pass --api-key-file <path>',
      'key_on_command_line',
    );
  }
}

export interface KeySource {
  env: string | undefined;
  file: string | undefined;
  /** Said when no key is found, e.g. that a dry run needs none. */
  hint?: string;
}

export interface LoadedKey {
  key: string;
  warnings: string[];
}

/** Reads the key from `--api-key-file` (preferred when given) or `VOREL_API_KEY`, and checks its shape. */
export function loadApiKey(source: KeySource): LoadedKey {
  const warnings: string[] = [];
  let raw: string;
  let origin: string;
  if (source.file !== undefined) {
    origin = `--api-key-file ${source.file}`;
    try {
      raw = readFileSync(source.file, 'utf8');
      // Group/other-readable key files are a common leak; warn but go on (the user may be on a single-user box).
      if ((statSync(source.file).mode & 0o077) !== 0) {
        warnings.push(`${source.file} is readable by other users; run: chmod 600 ${source.file}`);
      }
    } catch (error) {
      throw new UsageError(`cannot read the API key file ${source.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, 'key_file', {
        cause: error,
      });
    }
  } else if (source.env !== undefined && source.env !== '') {
    origin = 'VOREL_API_KEY';
    raw = source.env;
  } else {
    throw new UsageError(
      `no API key: set VOREL_API_KEY or pass --api-key-file <path>${source.hint === undefined ? '' : ` (${source.hint})`}`,
      'missing_key',
    );
  }
  const key = raw.trim();
  if (!API_KEY_PATTERN.test(key)) {
    // Say what is wrong with the shape without echoing any of the value.
    throw new UsageError(
      `the API key from ${origin} is malformed: expected vapk_<env>_ followed by 48 lowercase hex characters (got ${key.length} characters)`,
      'malformed_key',
    );
  }
  return { key, warnings };
}

/** How the dashboard shows a key: prefix + first 12 hex + … + last 4 (vorel-api.md §3). */
export function keyFingerprint(key: string): string {
  const cut = key.lastIndexOf('_') + 1;
  return `${key.slice(0, cut + 12)}…${key.slice(-4)}`;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Checks `--base-url`: https anywhere, plain http only on loopback; returns the origin. */
export function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new UsageError(`--base-url ${JSON.stringify(value)} is not a URL (expected e.g. https://app.vorel.ai)`, 'bad_base_url', {
      cause: error,
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError('--base-url must not contain credentials', 'bad_base_url');
  }
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOST.test(url.hostname)) {
      throw new UsageError(
        `refusing plain http:// to ${url.hostname}: the API key would travel unencrypted; use https:// (plain http is allowed only for loopback hosts such as 127.0.0.1 or localhost)`,
        'insecure_base_url',
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new UsageError(`--base-url must be https:// (got ${url.protocol})`, 'bad_base_url');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new UsageError(
      `--base-url is the API origin only (e.g. https://app.vorel.ai); drop the path ${url.pathname}${url.search}: /api/v1/... is added by the tool`,
      'bad_base_url',
    );
  }
  return url.origin;
}
