import { describe, expect, it } from 'vitest';
import type { MappableField } from '../src/options.js';
import { mapHeader, normaliseHeader, parseMapArg } from '../src/import/read/header.js';
import { warnUnknownColumns } from '../src/import/read/read.js';
import { SILENT_LOGGER } from '../src/log.js';

const map = (cells: string[], extra: [string, MappableField][] = [], matchBy: 'id' | 'customer_identifier' = 'id') =>
  mapHeader(cells, { map: new Map(extra), matchBy });

describe('header mapping', () => {
  it('normalises case, spaces and hyphens', () => {
    expect(normaliseHeader('  Conversation ID ')).toBe('conversation_id');
    expect(normaliseHeader('Customer-Name')).toBe('customer_name');
  });

  it('knows the built-in aliases', () => {
    expect(map(['Conversation ID', 'Name', 'Lang']).columns).toEqual({ id: 0, customer_name: 1, customer_language: 2 });
    expect(map(['uuid', 'Language']).columns).toEqual({ id: 0, customer_language: 1 });
  });

  it('lists unknown columns but not the read-only export columns', () => {
    expect(map(['id', 'channel', 'customer_identifier', 'status', 'customer_name', 'created_at', 'notes']).unknown).toEqual(['notes']);
  });

  it('maps any header with --map', () => {
    expect(map(['Ticket', 'Full name'], [parseMapArg('Ticket=id'), parseMapArg('full name=customer_name')]).columns).toEqual({
      id: 0,
      customer_name: 1,
    });
  });

  it.each([
    [['name', 'language'], /no id column/],
    [['id', 'notes'], /nothing to update/],
    [['id', 'name', 'Name'], /duplicate header/],
    [['id', 'name', ''], /has no name/],
    [['id', 'name', 'customer_name'], /both map to customer_name/],
  ])('refuses header %j', (cells, message) => {
    expect(() => map(cells)).toThrow(message);
  });

  it('refuses a --map for a column the file lacks, and a malformed --map', () => {
    expect(() => map(['id', 'name'], [parseMapArg('ticket=id')])).toThrow(/does not have/);
    expect(() => parseMapArg('ticket')).toThrow(/expected <column>=<field>/);
    expect(() => parseMapArg('ticket=status')).toThrow(/field one of/);
  });

  it('needs customer_identifier when matching by it', () => {
    expect(() => map(['id', 'name'], [], 'customer_identifier')).toThrow(/customer_identifier/);
    expect(map(['customer_identifier', 'channel', 'name'], [], 'customer_identifier').columns).toEqual({
      customer_identifier: 0,
      channel: 1,
      customer_name: 2,
    });
  });
});

describe('the unknown-columns warning', () => {
  const warning = (unknown: string[]): string[] => {
    const warnings: string[] = [];
    warnUnknownColumns(unknown, { ...SILENT_LOGGER, warn: (message) => warnings.push(message) });
    return warnings;
  };

  it('names every unknown column up to ten, then says how many more', () => {
    expect(warning([])).toEqual([]);
    const columns = Array.from({ length: 25 }, (_, i) => `extra_${i + 1}`);
    expect(warning(columns.slice(0, 10))).toEqual([
      `ignoring unknown columns: ${columns.slice(0, 10).join(', ')} (map one with --map "<column>=<field>")`,
    ]);
    expect(warning(columns)).toEqual([
      `ignoring unknown columns: ${columns.slice(0, 10).join(', ')} and 15 more (map one with --map "<column>=<field>")`,
    ]);
  });
});
