import { readFileSync } from 'node:fs';

/**
 * The package's version, read from package.json at run time so the version has one source. The
 * file sits one level above this module both in src/ (tests) and in dist/ (the installed package).
 */
export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = (manifest as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}
