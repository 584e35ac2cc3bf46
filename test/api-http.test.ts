/**
 * One attempt through axios' own Node adapter (src/api/http.ts), over real sockets on 127.0.0.1:
 * the answer size cap, keep-alive, UTF-8 text, https with verified certificates, and what it must
 * never do (send to another origin).
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/client.js';
import type { ApiClient, ApiResult } from '../src/api/client.js';
import { createHttp, MAX_ANSWER_BYTES } from '../src/api/http.js';
import { onlyRunDir, readResults, spawnCli, tempDir, writeCsv } from './helpers/cli.js';
import { cleanupsAfterEach, listenOnLoopback } from './helpers/loopback.js';
import { selfSignedCert } from './helpers/tls.js';

const ID = '11111111-2222-4333-8444-555555555555';
const KEY = `vapk_live_${'d'.repeat(48)}`;

const cleanups = cleanupsAfterEach();

function client(baseUrl: string, retries = 2): ApiClient {
  const api = createApiClient({ baseUrl, apiKey: KEY, timeoutMs: 5000, retries, rate: 100_000, backoffBaseMs: 1 });
  cleanups.push(() => api.close());
  return api;
}

const conversation = (name: string): Record<string, unknown> => ({
  id: ID,
  channel: 'whatsapp',
  customer_identifier: '+15550001111',
  status: 'active',
  created_at: '2026-01-01T00:00:00Z',
  customer_name: name,
  customer_language: 'en',
  first_message_at: null,
  last_message_at: null,
});

/** A loopback server that counts requests and TCP connections. */
async function server(
  answer: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ url: string; requests: () => number; connections: () => number }> {
  let requests = 0;
  let connections = 0;
  const s: Server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => answer(req, res, requests - 1));
  });
  s.on('connection', () => connections++);
  return { url: await listenOnLoopback(s, cleanups), requests: () => requests, connections: () => connections };
}

/** A 200 whose body is a conversation padded with JSON whitespace to exactly `bytes`. */
function paddedBody(bytes: number): string {
  const text = JSON.stringify(conversation('Ann'));
  return text.slice(0, -1) + ' '.repeat(bytes - Buffer.byteLength(text)) + text.slice(-1);
}

function expectFail<T>(r: ApiResult<T>): Extract<ApiResult<T>, { ok: false }> {
  if (r.ok) throw new Error(`expected a failure, got ${r.status}`);
  return r;
}

describe('answer size', () => {
  it('reads an answer of exactly 16 MiB', async () => {
    const body = paddedBody(MAX_ANSWER_BYTES);
    const s = await server((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    const r = await client(s.url).getConversation(ID);
    expect(r).toMatchObject({ ok: true, attempts: 1 });
  });

  it('gives up on a larger answer without retrying, and the next request still gets through', async () => {
    const big = paddedBody(MAX_ANSWER_BYTES + 1);
    const small = JSON.stringify(conversation('Ann'));
    const s = await server((_req, res, n) => res.writeHead(200, { 'content-type': 'application/json' }).end(n === 0 ? big : small));
    const api = client(s.url);
    const r = expectFail(await api.getConversation(ID));
    expect(r).toMatchObject({ status: 200, code: 'unexpected_status', attempts: 1 });
    expect(r.message).toBe(`GET /api/v1/conversations/${ID}: 200 unexpected_status: the answer is larger than 16 MiB`);
    expect(await api.getConversation(ID)).toMatchObject({ ok: true, attempts: 1 });
    expect(s.requests()).toBe(2);
  });
});

describe('the connection', () => {
  it('keeps one socket alive across sequential requests', async () => {
    const body = JSON.stringify(conversation('Ann'));
    const s = await server((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    const api = client(s.url);
    for (let i = 0; i < 5; i++) expect(await api.getConversation(ID)).toMatchObject({ ok: true });
    expect(s.requests()).toBe(5);
    expect(s.connections()).toBe(1);
  });

  it('does not reuse a socket whose answer timed out: the next request gets a fresh one', async () => {
    const body = JSON.stringify(conversation('Ann'));
    // The first request never gets an answer; later ones do.
    const s = await server((_req, res, n) => {
      if (n > 0) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    const api = createApiClient({ baseUrl: s.url, apiKey: KEY, timeoutMs: 200, retries: 0, rate: 100_000 });
    cleanups.push(() => api.close());
    expect(expectFail(await api.getConversation(ID))).toMatchObject({ code: 'timeout', attempts: 1 });
    expect(await api.getConversation(ID)).toMatchObject({ ok: true, attempts: 1 });
    expect(s.connections()).toBe(2);
  });

  it('decodes UTF-8 that arrives split inside a character', async () => {
    const bytes = Buffer.from(JSON.stringify(conversation('Zoë 日本 👋')));
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // One byte per write, each flushed on its own: every multi-byte character is cut.
      let i = 0;
      const next = (): void => {
        if (i >= bytes.length) {
          res.end();
          return;
        }
        res.write(bytes.subarray(i, i + 1), next);
        i++;
      };
      next();
    });
    const r = await client(s.url).getConversation(ID);
    expect(r.ok && r.data.customer_name).toBe('Zoë 日本 👋');
  });

  it('reads a body that starts with a byte order mark', async () => {
    const s = await server((_req, res) => res.writeHead(200).end(`\ufeff${JSON.stringify(conversation('Bom'))}`));
    const r = await client(s.url).getConversation(ID);
    expect(r.ok && r.data.customer_name).toBe('Bom');
  });
});

describe('where a request may go', () => {
  it('sends only to a path on the client origin: a full URL or a protocol-relative one is refused unsent', async () => {
    const elsewhere = await server((_req, res) => res.writeHead(200).end('{}'));
    const own = await server((_req, res) => res.writeHead(200).end('{}'));
    const http = createHttp({ baseUrl: own.url, apiKey: KEY, timeoutMs: 5000 });
    cleanups.push(() => http.close());
    const host = elsewhere.url.replace(/^http:/, '');
    for (const url of [`${elsewhere.url}/api/v1/conversations`, `${host}/api/v1/conversations`, 'api/v1/conversations']) {
      expect(await http.send('GET', url)).toMatchObject({ kind: 'no_answer', failure: { kind: 'network', code: 'ERR_INVALID_URL' } });
    }
    expect(elsewhere.requests()).toBe(0);
    expect(own.requests()).toBe(0);
  });
});

describe('https', () => {
  async function tlsServer(tls: { key: string; cert: string }): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    const s = createHttpsServer(tls, (req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization === `Bearer ${KEY}` ? 'with key' : 'without key'}`);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(conversation('Tls'))));
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => s.close(() => resolve())));
    return { url: `https://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
  }

  it('verifies the certificate: an untrusted one fails the request (not retried) and the server never sees it', async () => {
    const s = await tlsServer(await selfSignedCert(['127.0.0.1']));
    const r = expectFail(await client(s.url, 3).getConversation(ID));
    expect(r).toMatchObject({ code: 'certificate', status: null, attempts: 1 });
    expect(r.message).toMatch(/self[- ]signed/i);
    expect(r.message).toContain('--ca-cert');
    expect(s.seen).toEqual([]);
  });

  it('imports over https with a certificate the system trusts (the built CLI, NODE_EXTRA_CA_CERTS)', async () => {
    const tls = await selfSignedCert(['127.0.0.1']);
    const s = await tlsServer(tls);
    const work = tempDir();
    const reports = path.join(work, 'reports');
    const csv = writeCsv(work, 'rows.csv', `id,customer_name\n${ID},Tls\n`);
    writeFileSync(path.join(work, 'key'), KEY);
    const r = await spawnCli(
      ['import', csv, '--base-url', s.url, '--api-key-file', path.join(work, 'key'), '--report-dir', reports, '--yes', '--quiet'],
      { env: { NODE_EXTRA_CA_CERTS: tls.certFile } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(s.seen).toEqual([`PATCH /api/v1/conversations/${ID} with key`]);
    expect(readResults(onlyRunDir(reports))[0]).toMatchObject({ outcome: 'updated' });
  });
});
