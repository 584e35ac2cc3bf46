/** Seeded data: deterministic, realistic, hard for CSV round trips, fast at 50k rows. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConversation, startEmulator } from '../src/emulator/index.js';
import type { Emulator } from '../src/emulator/index.js';
import { DEFAULTS } from '../src/emulator/options.js';
import { generateConversations } from '../src/emulator/seed.js';
import { checkLanguage, checkName, UUID_PATTERN } from '../src/emulator/validate.js';

const NOW = Date.UTC(2026, 10, 25, 13, 40);
const data = generateConversations(7, 5000, Date.UTC(2026, 10, 25));
const names = data.map((c) => c.customer_name).filter((n): n is string => n !== null);

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe('seeded data', () => {
  it('holds every id of fixtures/sample.csv with the default seed and count (scripts/make-sample.mjs)', () => {
    const sample = readFileSync(new URL('../fixtures/sample.csv', import.meta.url), 'utf8');
    const ids = [...sample.matchAll(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}),/gm)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(190);
    const seeded = new Set(generateConversations(DEFAULTS.seed, DEFAULTS.count, NOW).map((c) => c.id));
    expect(ids.filter((id) => !seeded.has(id!))).toEqual([]);
  });

  it('is the same for the same seed and clock, and differs for another seed', async () => {
    const a = await startEmulator({ seed: 3, count: 300, clock: () => NOW });
    const b = await startEmulator({ seed: 3, count: 300, clock: () => NOW });
    const c = await startEmulator({ seed: 4, count: 300, clock: () => NOW });
    try {
      expect(a.dump()).toEqual(b.dump());
      expect(a.dump()).not.toEqual(c.dump());
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('is in list order with distinct ISO 8601 UTC created_at over the last two years', () => {
    const anchor = Date.UTC(2026, 10, 25);
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      expect(c.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const t = Date.parse(c.created_at);
      expect(t).toBeLessThan(anchor);
      expect(t).toBeGreaterThanOrEqual(anchor - 2 * 365 * 86_400_000);
      if (i > 0) expect(t).toBeLessThan(Date.parse(data[i - 1]!.created_at));
      if (c.first_message_at !== null) {
        expect(Date.parse(c.first_message_at)).toBeGreaterThanOrEqual(t);
        expect(Date.parse(c.last_message_at!)).toBeGreaterThanOrEqual(Date.parse(c.first_message_at));
        expect(Date.parse(c.last_message_at!)).toBeLessThan(anchor);
      }
    }
  });

  it('has lower-case v4-shaped unique ids', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(data.every((c) => v4.test(c.id) && UUID_PATTERN.test(c.id))).toBe(true);
    expect(new Set(data.map((c) => c.id)).size).toBe(data.length);
  });

  it('uses E.164 phones for whatsapp/voice, emails for webform, unique per (channel, identifier)', () => {
    for (const c of data) {
      if (c.channel === 'webform') expect(c.customer_identifier).toMatch(/^[a-z.]+\d+@[a-z.]+$/);
      else expect(c.customer_identifier).toMatch(/^\+[1-9]\d{6,14}$/);
    }
    expect(new Set(data.map((c) => c.channel))).toEqual(new Set(['whatsapp', 'voice', 'webform']));
    expect(new Set(data.map((c) => `${c.channel} ${c.customer_identifier}`)).size).toBe(data.length);
  });

  it('puts some phones on both whatsapp and voice (ambiguous identifier matching)', () => {
    const whatsapp = new Set(data.filter((c) => c.channel === 'whatsapp').map((c) => c.customer_identifier));
    const shared = data.filter((c) => c.channel === 'voice' && whatsapp.has(c.customer_identifier));
    expect(shared.length).toBeGreaterThan(50);
  });

  it('has several statuses, null names and null languages', () => {
    expect(new Set(data.map((c) => c.status)).size).toBeGreaterThanOrEqual(3);
    expect(data.filter((c) => c.customer_name === null).length).toBeGreaterThan(100);
    expect(data.filter((c) => c.customer_language === null).length).toBeGreaterThan(100);
  });

  it.each<[string, RegExp]>([
    ['Latin with accents', /[À-ž]/u],
    ['Greek', /\p{Script=Greek}/u],
    ['Cyrillic', /\p{Script=Cyrillic}/u],
    ['Arabic', /\p{Script=Arabic}/u],
    ['Hebrew', /\p{Script=Hebrew}/u],
    ['Han', /\p{Script=Han}/u],
    ['Hangul', /\p{Script=Hangul}/u],
    ['emoji', /\p{Extended_Pictographic}/u],
    ['a double quote', /"/],
    ['a comma', /,/],
    ['a newline', /\n/],
    ['a formula-like start', /^[=+\-@]/],
  ])('has names with %s', (_what, pattern) => {
    expect(names.some((n) => pattern.test(n))).toBe(true);
  });

  it('only holds names and languages the PATCH endpoint accepts (so a round trip can restore them)', () => {
    for (const c of data) {
      expect(checkName(c.customer_name).ok).toBe(true);
      expect(checkLanguage(c.customer_language).ok).toBe(true);
    }
    const languages = new Set(data.map((c) => c.customer_language));
    for (const l of ['en', 'en-US', 'fr', 'de-CH', 'ar', 'ja']) expect(languages.has(l)).toBe(true);
  });

  it('generates and serves 50 000 conversations quickly', async () => {
    const started = performance.now();
    emu = await startEmulator({ count: 50_000 });
    // A generous bound on a busy machine; what it guards against is quadratic generation (minutes).
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(emu.dump()).toHaveLength(50_000);
    // A deep page costs the same as the first: the cursor is found through an id → index map.
    const deep = emu.dump()[49_000]!.id;
    const res = await fetch(`${emu.baseUrl}/api/v1/conversations?limit=100&cursor=${deep}`, {
      headers: { authorization: `Bearer ${emu.apiKey}` },
    });
    const body = (await res.json()) as { data: unknown[]; has_more: boolean };
    expect(body.data).toHaveLength(100);
  });
});

describe('makeConversation', () => {
  it('fills every field from the id alone, the same way each time', () => {
    const id = '12345678-1234-4234-8234-123456789abc';
    const a = makeConversation({ id });
    expect(a).toEqual(makeConversation({ id }));
    expect(Object.keys(a)).toHaveLength(9);
    expect(a).toMatchObject({ id, channel: 'whatsapp', status: 'active', customer_language: 'en' });
    expect(a.customer_identifier).toMatch(/^\+1\d{10}$/);
    expect(checkName(a.customer_name).ok).toBe(true);
  });

  it('keeps the given fields, nulls included', () => {
    const c = makeConversation({ id: '12345678-1234-4234-8234-123456789ABC', customer_name: null, channel: 'voice' });
    expect(c).toMatchObject({ id: '12345678-1234-4234-8234-123456789abc', customer_name: null, channel: 'voice' });
  });
});

describe('insert', () => {
  it('replaces a conversation with the same id and keeps list order', async () => {
    emu = await startEmulator({ count: 20, rateLimit: null });
    const id = 'abcdefab-0000-4000-8000-000000000000';
    emu.insert([makeConversation({ id: id.toUpperCase(), created_at: '2099-01-01T00:00:00.000Z' })]);
    emu.insert([makeConversation({ id, customer_name: 'Second', created_at: '2099-01-01T00:00:00.000Z' })]);
    expect(emu.dump()).toHaveLength(21);
    expect(emu.dump()[0]).toMatchObject({ id, customer_name: 'Second' });
  });

  it('refuses a (channel, customer_identifier) pair that another id holds, like the API’s 409', async () => {
    emu = await startEmulator({ count: 0, rateLimit: null });
    emu.insert([makeConversation({ id: 'aaaaaaaa-0000-4000-8000-000000000000', customer_identifier: '+447700900123' })]);
    expect(() =>
      emu!.insert([makeConversation({ id: 'bbbbbbbb-0000-4000-8000-000000000000', customer_identifier: '+447700900123' })]),
    ).toThrow(/unique/);
    emu.insert([makeConversation({ id: 'bbbbbbbb-0000-4000-8000-000000000000', customer_identifier: '+447700900123', channel: 'voice' })]);
    expect(emu.dump()).toHaveLength(2);
  });

  it('refuses a non-UUID id or a bad created_at', async () => {
    emu = await startEmulator({ count: 0, rateLimit: null });
    expect(() => emu!.insert([makeConversation({ id: 'nope' })])).toThrow(RangeError);
    expect(() => emu!.insert([makeConversation({ id: 'cccccccc-0000-4000-8000-000000000000', created_at: 'yesterday' })])).toThrow(
      RangeError,
    );
  });
});
