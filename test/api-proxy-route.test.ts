/**
 * Which requests use the proxy (src/network.ts): NO_PROXY read as proxy-from-env reads it
 * (the oracle here; it reads process.env, which the library may not, so the rules are ours and
 * checked against it), loopback never proxied, the password never shown.
 */
import fc from 'fast-check';
import { getProxyForUrl } from 'proxy-from-env';
import { afterEach, describe, expect, it } from 'vitest';
import { bypasses, proxyFor, shownProxy } from '../src/network.js';

const PROXY = new URL('http://user:p%40ss@proxy.corp:3128');
const saved = { ...process.env };
afterEach(() => {
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('NO_PROXY', () => {
  it.each([
    ['api.example.com', 'https://api.example.com', true],
    ['example.com', 'https://api.example.com', false],
    ['.example.com', 'https://api.example.com', true],
    ['*.example.com', 'https://api.example.com', true],
    ['*', 'https://api.example.com', true],
    ['api.example.com:443', 'https://api.example.com', true],
    ['api.example.com:8443', 'https://api.example.com', false],
    ['api.example.com:8443', 'https://api.example.com:8443', true],
    ['10.1.2.3', 'https://10.1.2.3:8443', true],
    ['other.org  API.EXAMPLE.COM', 'https://api.example.com', true],
    ['', 'https://api.example.com', false],
  ])('%j for %s: bypass %s', (noProxy, url, expected) => {
    expect(bypasses(noProxy, new URL(url))).toBe(expected);
  });

  it('agrees with proxy-from-env on generated lists and hosts', () => {
    const label = fc.constantFrom('api', 'example', 'corp', 'vorel', 'com', 'ai');
    const name = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
    const host = fc.oneof(name, fc.constantFrom('10.1.2.3', '10.1.2.4'));
    const entry = fc
      .tuple(fc.constantFrom('', '.', '*', '*.'), host, fc.constantFrom('', ':443', ':8443'))
      .map(([pre, h, port]) => `${pre}${h}${port}`);
    const list = fc.oneof(
      fc.constant('*'),
      fc.array(entry, { maxLength: 4 }).chain((e) => fc.constantFrom(e.join(','), e.join(' '), e.join(', '))),
    );
    const url = fc.tuple(host, fc.constantFrom('', ':443', ':8443')).map(([h, port]) => new URL(`https://${h}${port}`));
    fc.assert(
      fc.property(list, url, (noProxy, target) => {
        process.env.HTTPS_PROXY = PROXY.href;
        process.env.NO_PROXY = noProxy;
        delete process.env.https_proxy;
        delete process.env.no_proxy;
        expect(bypasses(noProxy, target)).toBe(getProxyForUrl(target.href) === '');
      }),
      { numRuns: 500 },
    );
  });
});

describe('proxyFor', () => {
  it('never proxies a loopback host', () => {
    for (const base of ['http://127.0.0.1:8080', 'https://127.1.2.3', 'http://localhost:1', 'https://[::1]:443']) {
      expect(proxyFor(base, PROXY, undefined)).toBeNull();
    }
  });

  it('proxies any other host unless NO_PROXY names it', () => {
    expect(proxyFor('https://app.vorel.ai', PROXY, undefined)).toBe(PROXY);
    expect(proxyFor('https://app.vorel.ai', PROXY, '.vorel.ai')).toBeNull();
    expect(proxyFor('https://app.vorel.ai', null, undefined)).toBeNull();
  });
});

describe('shownProxy', () => {
  it('shows the user, never the password', () => {
    expect(shownProxy(PROXY)).toBe('http://user:***@proxy.corp:3128');
    expect(shownProxy(new URL('http://proxy.corp:3128'))).toBe('http://proxy.corp:3128');
  });
});
