/**
 * Which proxy, if any, requests to the API go through (contract: `--proxy`, `NO_PROXY`). Pure: the
 * CLI reads the environment (cli/proxy-env.ts), the library takes `proxy` and `noProxy` as values.
 */
import { isLoopbackHost } from '../credentials.js';

/**
 * The proxy for requests to `baseUrl`: none for a loopback host (a local emulator works under a
 * company-wide HTTPS_PROXY) or a host `noProxy` names, else `proxy` (already checked).
 */
export function proxyFor(baseUrl: string, proxy: URL | null, noProxy: string | undefined): URL | null {
  if (proxy === null) return null;
  const target = new URL(baseUrl);
  if (isLoopbackHost(target.hostname) || bypasses(noProxy ?? '', target)) return null;
  return proxy;
}

/**
 * NO_PROXY as curl and proxy-from-env read it (its rules, and its behaviour as this project's
 * test oracle): entries split by commas or spaces, case-insensitive; `*` alone bypasses every
 * host; an entry with `:port` applies to that port only (the scheme's default when the URL has
 * none); an entry starting with `.` or `*` matches host names ending with it; any other entry (a
 * host name or an IP address) matches that host exactly.
 */
export function bypasses(noProxy: string, target: URL): boolean {
  const list = noProxy.toLowerCase();
  if (list === '*') return true;
  const host = target.hostname;
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  return list.split(/[,\s]/).some((entry) => {
    if (entry === '') return false;
    const withPort = /^(.+):(\d+)$/.exec(entry);
    const name = withPort?.[1] ?? entry;
    const entryPort = Number(withPort?.[2] ?? 0);
    if (entryPort !== 0 && entryPort !== port) return false;
    if (!/^[.*]/.test(name)) return host === name;
    return host.endsWith(name.startsWith('*') ? name.slice(1) : name);
  });
}
