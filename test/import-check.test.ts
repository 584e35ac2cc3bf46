import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapHeader } from '../src/import/read/header.js';
import { checkRecord } from '../src/import/read/check.js';
import { cleanCell, codePointLength } from '../src/values.js';
import type { SourceRecord } from '../src/types.js';

const header = mapHeader(['id', 'customer_name', 'customer_language'], { map: new Map(), matchBy: 'id' });
const ID = '9974d75b-3338-44fe-a179-0134676b1b69';
const rec = (cells: string[], extra: Partial<Extract<SourceRecord, { kind: 'record' }>> = {}): SourceRecord => ({
  kind: 'record',
  line: 2,
  endLine: 2,
  cells,
  badEncoding: false,
  ...extra,
});
const check = (cells: string[], empty: 'null' | 'keep' = 'null') => checkRecord(rec(cells), header, { empty, matchBy: 'id' });

describe('row validation', () => {
  it('accepts a valid row, trims values and lower-cases the id', () => {
    const row = check([` ${ID.toUpperCase()} `, '  Jane Doe ', ' en-US ']);
    expect(row).toMatchObject({
      kind: 'valid',
      target: { by: 'id', id: ID },
      patch: { customer_name: 'Jane Doe', customer_language: 'en-US' },
    });
  });

  it('turns empty cells into explicit nulls by default', () => {
    expect(check([ID, '', 'fr'])).toMatchObject({ kind: 'valid', patch: { customer_name: null, customer_language: 'fr' } });
  });

  it('leaves empty cells out with --empty keep', () => {
    const row = check([ID, '  ', 'fr'], 'keep');
    expect(row.kind).toBe('valid');
    expect(row.patch).toEqual({ customer_language: 'fr' });
  });

  it('marks a row with nothing to send as no_fields under --empty keep', () => {
    expect(check([ID, '', ''], 'keep')).toMatchObject({ kind: 'invalid', code: 'no_fields' });
  });

  it.each([
    ['not-a-uuid', 'invalid_uuid'],
    ['', 'invalid_uuid'],
    ['9974d75b333844fea1790134676b1b69', 'invalid_uuid'],
    ['{9974d75b-3338-44fe-a179-0134676b1b69}', 'invalid_uuid'],
  ])('rejects id %j as %s', (id, code) => {
    expect(check([id, 'A', 'en'])).toMatchObject({ kind: 'invalid', code });
  });

  it.each(['EN', 'en-us', 'en_US', 'eng', 'e', 'en-USA', 'pt-br', ' '])('rejects language %j', (lang) => {
    const row = check([ID, 'A', lang]);
    if (lang.trim() === '') expect(row.kind).toBe('valid');
    else expect(row).toMatchObject({ kind: 'invalid', code: 'bad_language' });
  });

  it.each(['en', 'pt-BR', 'ar', 'de-CH'])('accepts language %j', (lang) => {
    expect(check([ID, 'A', lang]).kind).toBe('valid');
  });

  it('counts the 200-character limit in code points (emoji, Arabic)', () => {
    const emoji200 = '👋'.repeat(200);
    const arabic201 = 'ع'.repeat(201);
    expect(check([ID, emoji200, 'en']).kind).toBe('valid');
    expect(check([ID, `${emoji200}x`, 'en'])).toMatchObject({ kind: 'invalid', code: 'name_too_long' });
    expect(check([ID, arabic201, 'ar'])).toMatchObject({ kind: 'invalid', code: 'name_too_long' });
  });

  it('reports bad encoding before anything else', () => {
    expect(checkRecord(rec(['x', 'y'], { badEncoding: true }), header, { empty: 'null', matchBy: 'id' })).toMatchObject({
      code: 'bad_encoding',
    });
  });

  it('reports a ragged row with both counts', () => {
    const row = check([ID, 'A']);
    expect(row).toMatchObject({ kind: 'invalid', code: 'ragged_row' });
    expect(row.kind === 'invalid' && row.message).toContain('2 cells');
  });

  it('turns a broken span into an invalid row at its start line', () => {
    const row = checkRecord(
      { kind: 'broken', code: 'unclosed_quote', line: 7, endLine: 9, message: 'quote opened at line 7 never closes' },
      header,
      {
        empty: 'null',
        matchBy: 'id',
      },
    );
    expect(row).toMatchObject({ kind: 'invalid', code: 'unclosed_quote', line: 7, endLine: 9 });
  });

  it('drops the apostrophe that guards a formula, and only that one', () => {
    expect(cleanCell("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(cleanCell("'-minus")).toBe('-minus');
    expect(cleanCell("'quoted'")).toBe("'quoted'");
    expect(cleanCell("O'Brien")).toBe("O'Brien");
    expect(cleanCell("'\tTab ")).toBe('Tab');
  });

  it('property: any language accepted matches the API pattern exactly', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (lang) => {
        const row = check([ID, 'A', lang]);
        const trimmed = lang.trim();
        if (trimmed === '') return row.kind === 'valid';
        return (row.kind === 'valid') === /^[a-z]{2}(-[A-Z]{2})?$/.test(trimmed);
      }),
    );
  });

  it('property: generated valid languages are accepted', () => {
    const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz');
    const upper = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    const lang = fc.tuple(lower, lower, fc.option(fc.tuple(upper, upper))).map(([a, b, r]) => `${a}${b}${r ? `-${r[0]}${r[1]}` : ''}`);
    fc.assert(fc.property(lang, (l) => check([ID, 'A', l]).kind === 'valid'));
  });

  it('property: names are accepted exactly up to 200 code points', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'é', '👋', 'ع', '日', '𝄞'), { minLength: 1, maxLength: 260 }), (chars) => {
        const name = chars.join('');
        const row = check([ID, name, 'en']);
        return (row.kind === 'valid') === codePointLength(name) <= 200;
      }),
    );
  });
});
