/** The pure parts of reading before writing: identifier keys, strategy choice, the index, the diff, plan and rollback lines. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiClient, ApiResult, ListPage } from '../src/api/client.js';
import { makeConversation } from '../src/emulator/index.js';
import { AUTO_GET_BELOW_ROWS, chooseReadStrategy } from '../src/import/modes/current-values.js';
import { normaliseIdentifier } from '../src/import/read/identifier.js';
import { changedPart } from '../src/import/modes/read-first.js';
import { scanTenant, TenantIndex } from '../src/import/modes/tenant-index.js';
import { changedWithBefore, planLines, restorable, rollbackLine } from '../src/report/read-reports.js';
import type { RowResult } from '../src/types.js';
import { testId } from './helpers/emulator.js';

describe('normaliseIdentifier', () => {
  it.each([
    ['+44 7700 900123', '+447700900123'],
    ['0044 7700 900123', '+447700900123'],
    ['+44 (0) 7700-900123', '+447700900123'],
    ['+1 (555) 010.0100', '+15550100100'],
    ['\u00a0+49\u00a0151–1234\u20115678 ', '+4915112345678'],
    ['5550100', '5550100'],
    [' Anna.Smith@Example.COM ', 'anna.smith@example.com'],
  ])('%j → %j', (raw, key) => {
    expect(normaliseIdentifier(raw)).toBe(key);
  });

  it('gives an E.164 number the same key however it is spaced, dashed, bracketed or prefixed (fast-check)', () => {
    const e164 = fc.stringMatching(/^\+[1-9][0-9]{6,14}$/);
    const separator = fc.constantFrom(' ', '-', '.', '\u00a0', '(', ')', '');
    fc.assert(
      fc.property(e164, fc.array(separator, { minLength: 16, maxLength: 16 }), fc.boolean(), (number, seps, doubleZero) => {
        const digits = number.slice(1);
        const typed = (doubleZero ? '00' : '+') + [...digits].map((d, i) => d + seps[i]!).join('');
        fc.pre(!typed.includes('(0)')); // a bracketed lone 0 is the trunk mark, dropped on purpose
        expect(normaliseIdentifier(typed)).toBe(number);
        expect(normaliseIdentifier(normaliseIdentifier(typed))).toBe(number);
      }),
    );
  });
});

describe('chooseReadStrategy', () => {
  const base = { read: 'auto' as const, matchBy: 'id' as const, stdin: false };
  it('GETs below 500 rows, scans from 500, and scans stdin', () => {
    expect(chooseReadStrategy({ ...base, rows: AUTO_GET_BELOW_ROWS - 1 }).strategy).toBe('get');
    expect(chooseReadStrategy({ ...base, rows: AUTO_GET_BELOW_ROWS }).strategy).toBe('list');
    expect(chooseReadStrategy({ ...base, rows: 3, stdin: true }).strategy).toBe('list');
  });
  it('follows --read, except that customer_identifier always needs the scan', () => {
    expect(chooseReadStrategy({ ...base, read: 'list', rows: 1 }).strategy).toBe('list');
    expect(chooseReadStrategy({ ...base, read: 'get', rows: 10_000 }).strategy).toBe('get');
    expect(chooseReadStrategy({ ...base, matchBy: 'customer_identifier', rows: 1 }).strategy).toBe('list');
  });
});

describe('TenantIndex.match', () => {
  const index = new TenantIndex({ identifiers: true });
  index.add(makeConversation({ id: testId(1), channel: 'whatsapp', customer_identifier: '+447700900123' }));
  index.add(makeConversation({ id: testId(2), channel: 'voice', customer_identifier: '+44 7700 900123' }));
  index.add(makeConversation({ id: testId(3), channel: 'webform', customer_identifier: 'A@B.example' }));

  it('finds one, none or several, and narrows by channel case-insensitively', () => {
    expect(index.match('0044 7700 900123', null).map((e) => e.id)).toEqual([testId(1), testId(2)]);
    expect(index.match('+447700900123', 'VOICE')).toMatchObject([{ id: testId(2) }]);
    expect(index.match('a@b.EXAMPLE', null)).toMatchObject([{ id: testId(3) }]);
    expect(index.match('a@b.example', 'whatsapp')).toEqual([]);
    expect(index.match('+15550100', null)).toEqual([]);
  });
});

describe('scanTenant', () => {
  const page = (data: ListPage['data'], next: string | null): ApiResult<ListPage> => ({
    ok: true,
    status: 200,
    attempts: 1,
    data: { data, next_cursor: next, has_more: next !== null },
  });

  it('stops with bad_pagination on a server that keeps sending the same page', async () => {
    const c = makeConversation({ id: testId(1) });
    let calls = 0;
    const client = {
      listConversations: async () => {
        calls++;
        return page([c], c.id);
      },
    } as unknown as ApiClient;
    const result = await scanTenant(client, new TenantIndex({ identifiers: false }));
    expect(result).toMatchObject({ ok: false, code: 'bad_pagination', pages: 2, requests: 2 });
    expect(calls).toBe(2);
  });

  it('follows next_cursor until has_more is false', async () => {
    // In list order: newest first.
    const newer = makeConversation({ id: testId(1), created_at: '2026-02-01T00:00:00.000Z' });
    const older = makeConversation({ id: testId(2), created_at: '2026-01-01T00:00:00.000Z' });
    const pages = [page([newer], testId(1)), page([older], null)];
    const cursors: (string | null | undefined)[] = [];
    const client = {
      listConversations: async ({ cursor }: { cursor?: string | null }) => {
        cursors.push(cursor);
        return pages.shift()!;
      },
    } as unknown as ApiClient;
    const index = new TenantIndex({ identifiers: false });
    expect(await scanTenant(client, index)).toEqual({ ok: true, pages: 2, requests: 2 });
    expect(cursors).toEqual([null, testId(1)]);
    expect(index.size).toBe(2);
  });
});

describe('the diff', () => {
  it('keeps only the sent fields that differ; a field left out is never compared', () => {
    const current = { customer_name: 'A', customer_language: null };
    expect(changedPart({ customer_name: 'A', customer_language: 'en' }, current)).toEqual({ customer_language: 'en' });
    expect(changedPart({ customer_name: 'A' }, current)).toEqual({});
    expect(changedPart({ customer_name: null, customer_language: null }, current)).toEqual({ customer_name: null });
  });
});

describe('plan.csv and rollback.csv lines', () => {
  const row = (outcome: RowResult['outcome'], before: RowResult['before']): RowResult => ({
    line: 7,
    endLine: 7,
    id: testId(1),
    patch: { customer_name: '=cmd', customer_language: 'en' },
    before,
    outcome,
  });

  it('plan.csv: one neutralised line per changing field, null as an empty cell', () => {
    expect(
      planLines(row({ kind: 'would_update', httpStatus: 200, attempts: 1 }, { customer_name: null, customer_language: 'en' })),
    ).toEqual([`7,${testId(1)},customer_name,,'=cmd\r\n`]);
    expect(planLines(row({ kind: 'unchanged', httpStatus: 200, attempts: 1 }, { customer_name: '=cmd', customer_language: 'en' }))).toEqual(
      [],
    );
  });

  it('rollback.csv: raw values, never neutralised', () => {
    expect(rollbackLine(testId(1), { customer_name: '=HYPERLINK("x")', customer_language: null })).toBe(
      `${testId(1)},"=HYPERLINK(""x"")",\r\n`,
    );
  });

  it('takes rows that changed (or may have) after reading their values', () => {
    const before = { customer_name: 'A', customer_language: 'en' };
    expect(changedWithBefore(row({ kind: 'updated', httpStatus: 200, attempts: 1 }, before))).toBe(true);
    expect(changedWithBefore(row({ kind: 'failed', code: 'timeout', message: '', httpStatus: null, attempts: 6 }, before))).toBe(true);
    expect(changedWithBefore(row({ kind: 'failed', code: 'not_found', message: '', httpStatus: 404, attempts: 1 }, before))).toBe(false);
    expect(changedWithBefore(row({ kind: 'unchanged', httpStatus: null, attempts: 0 }, before))).toBe(false);
    expect(changedWithBefore(row({ kind: 'updated', httpStatus: 200, attempts: 1 }, null))).toBe(false);
  });

  it.each([
    [{ customer_name: 'Ann', customer_language: 'pt-BR' }, true],
    [{ customer_name: null, customer_language: null }, true],
    [{ customer_name: '=SUM(A1)', customer_language: null }, true],
    [{ customer_name: ' Ann', customer_language: null }, false],
    [{ customer_name: "'=quoted", customer_language: null }, false],
    [{ customer_name: 'x'.repeat(201), customer_language: null }, false],
    [{ customer_name: 'Ann', customer_language: 'EN' }, false],
  ])('restorable(%j) is %s', (values, expected) => {
    expect(restorable(values)).toBe(expected);
  });
});
