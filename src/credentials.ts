import { UsageError } from './errors.js';

/** vorel-api.md §3: do not hard-code the total length. */
const API_KEY_PATTERN = /^vapk_[a-z]+_[0-9a-f]{48}$/;

/** The message names the key's `origin`, never any of its value. */
export function checkApiKey(raw: string, origin: string): string {
  const key = raw.trim();
  if (!API_KEY_PATTERN.test(key)) {
    throw new UsageError(
      `the API key from ${origin} is malformed: expected vapk_<env>_ followed by 48 lowercase hex characters (got ${key.length} characters)`,
      'malformed_key',
    );
  }
  return key;
}

/** How the dashboard shows a key: prefix + first 12 hex + … + last 4 (vorel-api.md §3). */
export function keyFingerprint(key: string): string {
  const cut = key.lastIndexOf('_') + 1;
  return `${key.slice(0, cut + 12)}…${key.slice(-4)}`;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** `hostname` as a URL gives it. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOST.test(hostname);
}

/** https anywhere, plain http only on loopback; returns the origin. */
export function checkBaseUrl(value: string): string {
  if (!URL.canParse(value)) {
    throw new UsageError(`--base-url ${JSON.stringify(value)} is not a URL (expected e.g. https://app.vorel.ai)`, 'bad_base_url');
  }
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') {
    throw new UsageError('--base-url must not contain credentials', 'bad_base_url');
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
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
