import { describe, expect, it } from 'vitest';
import type { MappableField } from '../src/options.js';
import { mapHeader, normaliseHeader, parseMapArg } from '../src/import/read/header.js';

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
