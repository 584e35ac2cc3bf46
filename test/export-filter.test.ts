import { describe, expect, it } from 'vitest';
import { makeConversation } from '../src/emulator/index.js';
import { matches, parseIsoInstant, pastLowerBound } from '../src/export/filter.js';
import type { ExportFilters, MissingField } from '../src/export/options.js';

/** Filters that keep every row. */
const NO_FILTERS: ExportFilters = Object.freeze({
  channels: new Set<string>(),
  statuses: new Set<string>(),
  createdAfter: null,
  createdBefore: null,
  missing: new Set<MissingField>(),
});

const ID = '9974d75b-3338-44fe-a179-0134676b1b69';
const conv = makeConversation({
  id: ID,
  channel: 'voice',
  status: 'closed',
  created_at: '2025-03-01T00:00:00.000Z',
  customer_name: 'Ana',
  customer_language: null,
});
const f = (over: Partial<ExportFilters>): ExportFilters => ({ ...NO_FILTERS, ...over });

describe('export filters', () => {
  it('keeps everything without filters', () => {
    expect(matches(conv, NO_FILTERS)).toBe(true);
  });

  it('keeps a row whose channel or status is one of those given', () => {
    expect(matches(conv, f({ channels: new Set(['whatsapp', 'voice']) }))).toBe(true);
    expect(matches(conv, f({ channels: new Set(['whatsapp']) }))).toBe(false);
    expect(matches(conv, f({ statuses: new Set(['closed']) }))).toBe(true);
    expect(matches(conv, f({ statuses: new Set(['active']), channels: new Set(['voice']) }))).toBe(false);
  });

  it('treats --created-after as inclusive and --created-before as exclusive', () => {
    const at = Date.parse(conv.created_at);
    expect(matches(conv, f({ createdAfter: at }))).toBe(true);
    expect(matches(conv, f({ createdAfter: at + 1 }))).toBe(false);
    expect(matches(conv, f({ createdBefore: at }))).toBe(false);
    expect(matches(conv, f({ createdBefore: at + 1 }))).toBe(true);
  });

  it('keeps rows where any field named by --missing is null', () => {
    expect(matches(conv, f({ missing: new Set(['language']) }))).toBe(true);
    expect(matches(conv, f({ missing: new Set(['name']) }))).toBe(false);
    expect(matches(conv, f({ missing: new Set(['name', 'language']) }))).toBe(true);
  });

  it('says when a row is older than --created-after (the list is newest first, so the scan can stop)', () => {
    const at = Date.parse(conv.created_at);
    expect(pastLowerBound(conv, NO_FILTERS)).toBe(false);
    expect(pastLowerBound(conv, f({ createdAfter: at }))).toBe(false);
    expect(pastLowerBound(conv, f({ createdAfter: at + 1 }))).toBe(true);
  });
});

describe('ISO dates of --created-after/--created-before', () => {
  it.each([
    ['2025-03-01', Date.UTC(2025, 2, 1)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2025-03-01T12:30Z', Date.UTC(2025, 2, 1, 12, 30)],
    ['2025-03-01T12:30:15.250Z', Date.UTC(2025, 2, 1, 12, 30, 15, 250)],
    ['2025-03-01T12:30:00+02:00', Date.UTC(2025, 2, 1, 10, 30)],
  ])('reads %s', (text, ms) => {
    expect(parseIsoInstant(text)).toBe(ms);
  });

  it.each([
    '2025-02-30',
    '2025-13-01',
    '2025-3-1',
    '01/03/2025',
    '2025-03-01T12:00',
    '2025-03-01 12:00Z',
    '2025-03-01T25:00Z',
    'yesterday',
    '',
  ])('refuses %j', (text) => {
    expect(parseIsoInstant(text)).toBeNull();
  });
});
