/** The emulator's HTTP API against vorel-api.md §1–§4: auth, scopes, routing, PATCH, GET, list. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeConversation, startEmulator } from '../src/emulator/index.js';
import type { Emulator } from '../src/emulator/index.js';
import type { Conversation } from '../src/types.js';

const ID = '11111111-2222-4333-8444-555555555555';
const UNKNOWN_ID = '99999999-9999-4999-8999-999999999999';
const KNOWN: Conversation = makeConversation({ id: ID, customer_name: 'Ana Núñez', customer_language: 'es' });
const FIELDS = [
  'id',
  'channel',
  'customer_identifier',
  'status',
  'created_at',
  'customer_name',
  'customer_language',
  'first_message_at',
  'last_message_at',
];

let emu: Emulator;

interface CallOptions {
  key?: string | null;
  body?: string | Uint8Array;
  contentType?: string | null;
  authorization?: string;
}

interface Reply {
  status: number;
  headers: Headers;
  json: unknown;
}

async function call(method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? emu.apiKey : opts.key;
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  else if (key !== null) headers.authorization = `Bearer ${key}`;
  if (opts.body !== undefined && opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(`${emu.baseUrl}${path}`, {
    method,
    headers,
    ...(opts.body === undefined ? {} : { body: opts.body }),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) };
}

const patch = (id: string, body: unknown, opts: CallOptions = {}): Promise<Reply> =>
  call('PATCH', `/api/v1/conversations/${id}`, {
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    ...opts,
  });

function errorOf(reply: Reply): { code: string; message: string } {
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  const body = reply.json as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
  return body.error as { code: string; message: string };
}

beforeAll(async () => {
  emu = await startEmulator({ count: 30, rateLimit: null, conversations: [KNOWN] });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.insert([KNOWN]); // undo the previous test's writes
});

describe('authentication (401)', () => {
  it('rejects a request without Authorization', async () => {
    const reply = await call('GET', `/api/v1/conversations/${ID}`, { key: null });
    expect(reply.status).toBe(401);
    expect(errorOf(reply).code).toBe('unauthorized');
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each([
    ['not a bearer scheme', `Basic dXNlcjpwYXNz`],
    ['a short token', 'Bearer abc'],
    ['47 hex digits', `Bearer vapk_live_${'a'.repeat(47)}`],
    ['upper-case hex', `Bearer vapk_live_${'A'.repeat(48)}`],
    ['two spaces', `Bearer  vapk_live_${'a'.repeat(48)}`],
    ['an empty token', 'Bearer '],
  ])('rejects a malformed key: %s', async (_name, authorization) => {
    const reply = await call('GET', `/api/v1/conversations/${ID}`, { authorization });
    expect(reply.status).toBe(401);
    expect(errorOf(reply).code).toBe('unauthorized');
  });

  it('rejects a well-formed but unknown key', async () => {
    const reply = await call('GET', `/api/v1/conversations/${ID}`, { key: `vapk_live_${'0'.repeat(48)}` });
    expect(reply.status).toBe(401);
    expect(errorOf(reply).message).toMatch(/unknown/);
  });

  it('accepts the scheme in any case (RFC 9110 §11.1)', async () => {
    const reply = await call('GET', `/api/v1/conversations/${ID}`, { authorization: `bearer ${emu.apiKey}` });
    expect(reply.status).toBe(200);
  });

  it('checks auth before the id, the route and the body', async () => {
    expect((await patch('not-a-uuid', 'not json', { key: null })).status).toBe(401);
    expect((await call('GET', '/nowhere', { key: null })).status).toBe(401);
  });

  it('never writes with a rejected key', async () => {
    await patch(ID, { customer_name: 'Mallory' }, { key: `vapk_live_${'1'.repeat(48)}` });
    expect(emu.get(ID)?.customer_name).toBe('Ana Núñez');
  });
});

describe('scopes (403)', () => {
  it('refuses PATCH with a read-only key and names conversations:write', async () => {
    const readOnly = emu.createKey(['read']);
    const reply = await patch(ID, { customer_name: 'X' }, { key: readOnly });
    expect(reply.status).toBe(403);
    const error = errorOf(reply);
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('conversations:write');
    expect(emu.get(ID)?.customer_name).toBe('Ana Núñez');
  });

  it('refuses GET one and list with a write-only key and names read', async () => {
    const writeOnly = emu.createKey(['conversations:write']);
    for (const path of [`/api/v1/conversations/${ID}`, '/api/v1/conversations']) {
      const reply = await call('GET', path, { key: writeOnly });
      expect(reply.status).toBe(403);
      expect(errorOf(reply).message).toContain('read');
    }
    expect((await patch(ID, { customer_name: 'W' }, { key: writeOnly })).status).toBe(200);
  });

  it('refuses everything to a key without scopes', async () => {
    const none = emu.createKey([]);
    expect((await call('GET', `/api/v1/conversations/${ID}`, { key: none })).status).toBe(403);
    expect((await patch(ID, { customer_name: 'X' }, { key: none })).status).toBe(403);
  });
});

describe('routing', () => {
  it.each(['/', '/api/v1/leads', '/api/v1/conversations/', `/api/v1/conversations/${ID}/messages`, '/v1/conversations'])(
    'answers 404 with the envelope for %s',
    async (path) => {
      const reply = await call('GET', path);
      expect(reply.status).toBe(404);
      expect(errorOf(reply).code).toBe('not_found');
    },
  );

  it('answers 405 with Allow for a wrong method on a known path', async () => {
    const item = await call('DELETE', `/api/v1/conversations/${ID}`);
    expect(item.status).toBe(405);
    expect(errorOf(item).code).toBe('method_not_allowed');
    expect(item.headers.get('allow')).toBe('GET, PATCH');
    const list = await call('POST', '/api/v1/conversations', { body: '{}' });
    expect(list.status).toBe(405);
    expect(list.headers.get('allow')).toBe('GET');
  });
});

describe('PATCH validation (400)', () => {
  const emoji = (n: number): string => '😀'.repeat(n);

  it.each<[string, string, RegExp]>([
    ['bad JSON', '{"customer_name": ', /JSON/],
    ['a JSON array', '[]', /object/],
    ['JSON null', 'null', /object/],
    ['a JSON string', '"Ana"', /object/],
    ['an empty object', '{}', /at least one/],
    ['an unknown field', JSON.stringify({ customer_name: 'A', nickname: 'x' }), /nickname/],
    ['read-only status', JSON.stringify({ status: 'closed' }), /status/],
    ['read-only channel', JSON.stringify({ channel: 'voice', customer_name: 'A' }), /channel/],
    ['read-only id', JSON.stringify({ id: ID, customer_name: 'A' }), /"id"/],
    ['read-only customer_identifier', JSON.stringify({ customer_identifier: '+1', customer_name: 'A' }), /customer_identifier/],
    ['a numeric name', JSON.stringify({ customer_name: 5 }), /customer_name/],
    ['a boolean language', JSON.stringify({ customer_language: true }), /customer_language/],
    ['an empty name', JSON.stringify({ customer_name: '' }), /empty/],
    ['a name with a leading space', JSON.stringify({ customer_name: ' Ana' }), /whitespace/],
    ['a name with a trailing newline', JSON.stringify({ customer_name: 'Ana\n' }), /whitespace/],
    ['a name with NUL', JSON.stringify({ customer_name: 'A\u0000B' }), /NUL/],
    ['a name with a control character', JSON.stringify({ customer_name: 'A\u0007B' }), /control characters/],
    ['a name with a lone surrogate', '{"customer_name":"A\\ud800B"}', /Unicode/],
    ['a 201-code-point emoji name', JSON.stringify({ customer_name: emoji(201) }), /too long/],
    ['a 201-letter name', JSON.stringify({ customer_name: 'a'.repeat(201) }), /too long/],
    ['language EN', JSON.stringify({ customer_language: 'EN' }), /customer_language/],
    ['language en-us', JSON.stringify({ customer_language: 'en-us' }), /customer_language/],
    ['language en_US', JSON.stringify({ customer_language: 'en_US' }), /customer_language/],
    ['language eng', JSON.stringify({ customer_language: 'eng' }), /customer_language/],
    ['language en-USA', JSON.stringify({ customer_language: 'en-USA' }), /customer_language/],
    ['an empty language', JSON.stringify({ customer_language: '' }), /customer_language/],
    ['a valid name with a bad language', JSON.stringify({ customer_name: 'Ok', customer_language: 'xx-yy' }), /customer_language/],
  ])('rejects %s and leaves the row unchanged', async (_name, body, message) => {
    const reply = await patch(ID, body);
    expect(reply.status).toBe(400);
    const error = errorOf(reply);
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(message);
    expect(emu.get(ID)).toEqual(KNOWN);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonx'])(
    'rejects Content-Type %s',
    async (contentType) => {
      const reply = await patch(ID, { customer_name: 'X' }, { contentType });
      expect(reply.status).toBe(400);
      expect(errorOf(reply).message).toMatch(/Content-Type/);
    },
  );

  it('rejects a body without Content-Type', async () => {
    const reply = await patch(ID, new TextEncoder().encode('{"customer_name":"X"}'), { contentType: null });
    expect(reply.status).toBe(400);
  });

  it('accepts application/json with charset=utf-8, in any case', async () => {
    expect((await patch(ID, { customer_name: 'X' }, { contentType: 'Application/JSON; charset=UTF-8' })).status).toBe(200);
  });

  it('rejects a body that is not UTF-8', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"customer_name":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}')]);
    const reply = await patch(ID, bytes);
    expect(reply.status).toBe(400);
    expect(errorOf(reply).message).toMatch(/UTF-8/);
  });

  it('rejects a UTF-8 BOM before the JSON', async () => {
    expect((await patch(ID, '\uFEFF{"customer_name":"X"}')).status).toBe(400);
  });

  it('answers 413 to a body over 64 KiB', async () => {
    const reply = await patch(ID, JSON.stringify({ customer_name: 'x'.repeat(70_000) }));
    expect(reply.status).toBe(413);
    expect(errorOf(reply).code).toBe('payload_too_large');
  });

  it.each([
    'not-a-uuid',
    '11111111222243338444555555555555',
    `${ID}0`,
    '1111111-2222-4333-8444-555555555555',
    'g1111111-2222-4333-8444-555555555555',
  ])('rejects the path id %s with 400', async (id) => {
    const reply = await patch(id, { customer_name: 'X' });
    expect(reply.status).toBe(400);
    expect(errorOf(reply).message).toMatch(/UUID/);
  });

  it('rejects a query string on PATCH', async () => {
    const reply = await call('PATCH', `/api/v1/conversations/${ID}?dry_run=1`, { body: '{"customer_name":"X"}' });
    expect(reply.status).toBe(400);
  });

  it('answers 404 for an unknown id', async () => {
    const reply = await patch(UNKNOWN_ID, { customer_name: 'X' });
    expect(reply.status).toBe(404);
    expect(errorOf(reply).code).toBe('not_found');
  });
});

describe('PATCH success (200)', () => {
  it('returns the whole updated conversation with the nine documented fields', async () => {
    const reply = await patch(ID, { customer_name: 'Zoë Müller', customer_language: 'de-CH' });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.json as object)).toEqual(FIELDS);
    expect(reply.json).toEqual({ ...KNOWN, customer_name: 'Zoë Müller', customer_language: 'de-CH' });
    expect(emu.get(ID)).toEqual(reply.json);
  });

  it('leaves an absent field untouched and clears a null one', async () => {
    const onlyLanguage = await patch(ID, { customer_language: 'fr' });
    expect(onlyLanguage.json).toMatchObject({ customer_name: 'Ana Núñez', customer_language: 'fr' });
    const clearName = await patch(ID, { customer_name: null });
    expect(clearName.json).toMatchObject({ customer_name: null, customer_language: 'fr' });
    const clearBoth = await patch(ID, { customer_name: null, customer_language: null });
    expect(clearBoth.json).toMatchObject({ customer_name: null, customer_language: null });
  });

  it('accepts a name of exactly 200 emoji (400 UTF-16 units)', async () => {
    const name = '😀'.repeat(200);
    const reply = await patch(ID, { customer_name: name });
    expect(reply.status).toBe(200);
    expect(emu.get(ID)?.customer_name).toBe(name);
  });

  it('accepts names with quotes, commas, inner newlines and formula characters as sent', async () => {
    for (const name of ['Smith, "Jo"', 'Line one\nLine two', '=SUM(A1)', 'محمد العلي', '佐藤 花子']) {
      const reply = await patch(ID, { customer_name: name });
      expect(reply.status).toBe(200);
      expect(emu.get(ID)?.customer_name).toBe(name);
    }
  });

  it('accepts an upper-case id and answers with the lower-case one', async () => {
    const reply = await patch(ID.toUpperCase(), { customer_language: 'en' });
    expect(reply.status).toBe(200);
    expect((reply.json as Conversation).id).toBe(ID);
  });
});

describe('GET one', () => {
  it('returns the full object', async () => {
    const reply = await call('GET', `/api/v1/conversations/${ID}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.json as object)).toEqual(FIELDS);
    expect(reply.json).toEqual(KNOWN);
  });

  it('finds an upper-case id', async () => {
    expect((await call('GET', `/api/v1/conversations/${ID.toUpperCase()}`)).status).toBe(200);
  });

  it('answers 404 for an unknown id and 400 for a bad one', async () => {
    expect((await call('GET', `/api/v1/conversations/${UNKNOWN_ID}`)).status).toBe(404);
    expect((await call('GET', '/api/v1/conversations/123')).status).toBe(400);
  });

  it('rejects query parameters', async () => {
    expect((await call('GET', `/api/v1/conversations/${ID}?include=messages`)).status).toBe(400);
  });
});

describe('list', () => {
  let listEmu: Emulator;
  const list = async (query: string): Promise<Reply> => {
    const res = await fetch(`${listEmu.baseUrl}/api/v1/conversations${query}`, {
      headers: { authorization: `Bearer ${listEmu.apiKey}` },
      signal: AbortSignal.timeout(5000),
    });
    return { status: res.status, headers: res.headers, json: await res.json() };
  };
  const TIE = '2025-06-01T12:00:00.000Z';
  const tied = ['aaaaaaaa-0000-4000-8000-000000000001', 'ffffffff-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001'];

  beforeAll(async () => {
    listEmu = await startEmulator({
      count: 123,
      rateLimit: null,
      conversations: tied.map((id) => makeConversation({ id, created_at: TIE })),
    });
  });
  afterAll(async () => {
    await listEmu.close();
  });

  it('pages over every conversation exactly once, created_at DESC then id DESC', async () => {
    const seen: Conversation[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const reply = await list(`?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      const body = reply.json as { data: Conversation[]; next_cursor: string | null; has_more: boolean };
      expect(Object.keys(body).sort()).toEqual(['data', 'has_more', 'next_cursor']);
      seen.push(...body.data);
      if (!body.has_more) {
        expect(body.next_cursor).toBeNull();
        break;
      }
      expect(body.data).toHaveLength(7);
      expect(body.next_cursor).toBe(body.data[6]?.id);
      cursor = body.next_cursor;
    }
    expect(seen).toHaveLength(126);
    expect(new Set(seen.map((c) => c.id)).size).toBe(126);
    expect(seen).toEqual(listEmu.dump());
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1]!, seen[i]!];
      const order = Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id > b.id ? -1 : 1);
      expect(order).toBeLessThan(0);
    }
    const tieOrder = seen.filter((c) => c.created_at === TIE).map((c) => c.id);
    expect(tieOrder).toEqual([...tied].sort().reverse());
  });

  it('defaults to 25 per page and allows 1 and 100', async () => {
    expect(((await list('')).json as { data: unknown[] }).data).toHaveLength(25);
    expect(((await list('?limit=1')).json as { data: unknown[] }).data).toHaveLength(1);
    expect(((await list('?limit=100')).json as { data: unknown[] }).data).toHaveLength(100);
  });

  it.each(['0', '101', '-1', '1.5', 'abc', '', '01', '+5', '1e2', '10&limit=20'])('rejects limit=%s', async (limit) => {
    const reply = await list(`?limit=${limit}`);
    expect(reply.status).toBe(400);
    expect((reply.json as { error: { code: string } }).error.code).toBe('bad_request');
  });

  it('rejects a cursor that is not a UUID or not a known id', async () => {
    expect((await list('?cursor=abc')).status).toBe(400);
    expect((await list(`?cursor=${UNKNOWN_ID}`)).status).toBe(400);
    expect((await list('?cursor=')).status).toBe(400);
  });

  it('rejects unknown query parameters', async () => {
    expect((await list('?channel=voice')).status).toBe(400);
    expect((await list('?limit=5&updated_since=2025-01-01')).status).toBe(400);
  });

  it('returns an empty last page after the last id', async () => {
    const last = listEmu.dump().at(-1)!;
    const reply = await list(`?cursor=${last.id}`);
    expect(reply.json).toEqual({ data: [], next_cursor: null, has_more: false });
  });
});

describe('startEmulator options', () => {
  it.each([
    [{ port: -5 }],
    [{ count: -1 }],
    [{ seed: 1.5 }],
    [{ faults: { serverErrorRate: 2 } }],
    [{ rateLimit: { limit: 0, windowMs: 1000 } }],
  ])('rejects %j as a usage error with a stable code and exitCode 2, like the library does', async (opts) => {
    await expect(startEmulator(opts)).rejects.toMatchObject({ name: 'UsageError', code: 'bad_emulator_option', exitCode: 2 });
  });
});
