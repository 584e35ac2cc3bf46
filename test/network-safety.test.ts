/**
 * Where requests may go (issue 7, docs/cli.md "--base-url"): a redirect is never followed (it could take
 * the Authorization header to another origin). Proxies: test/proxy-and-tls.test.ts.
 */
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, onlyRunDir, readResults, tempDir, writeCsv } from './helpers/cli.js';
import { testId } from './helpers/emulator.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A loopback server; `hits` records every request it gets. */
async function server(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => s.close(() => resolve())));
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}`, hits };
}

const KEY = `vapk_live_${'c0ffee'.repeat(8)}`;
const ROWS = `id,name\n${testId(1)},A\n${testId(2)},B\n`;

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])('a %i to another origin is not followed: the row fails unexpected_status', async (status) => {
    const elsewhere = await server((_req, res) => res.writeHead(200).end('{}'));
    const redirector = await server((req, res) => res.writeHead(status, { location: `${elsewhere.url}${req.url}` }).end());
    const work = tempDir();
    const reports = path.join(work, 'reports');
    const r = await cli(
      ['import', writeCsv(work, 'rows.csv', ROWS), '--base-url', redirector.url, '--report-dir', reports, '--rate', '100000'],
      {
        env: { VOREL_API_KEY: KEY },
      },
    );
    expect(r.code).toBe(1);
    expect(elsewhere.hits).toEqual([]);
    expect(redirector.hits).toHaveLength(2); // one attempt per row: a redirect is not retried
    const rows = readResults(onlyRunDir(reports));
    for (const row of rows) {
      expect(row).toMatchObject({ outcome: 'failed', error_code: 'unexpected_status', http_status: String(status), attempts: '1' });
      expect(row.message).toContain('not followed');
    }
  });
});
