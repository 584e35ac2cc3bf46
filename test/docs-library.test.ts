/**
 * docs/library.md is written by hand, so this test holds it to the types: every option, summary
 * field, callback argument and error code the package exports is named there (as `name`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const LIBRARY_DOC = readFileSync(path.join(ROOT, 'docs/library.md'), 'utf8');
const CLI_DOC = readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8');

/** The types a library user meets, as the package entry exports them. */
const DOCUMENTED_TYPES = [
  'ImportCsvOptions',
  'ExportCsvOptions',
  'EmulatorOptions',
  'Emulator',
  'RunSummary',
  'ExportSummary',
  'ResultFields',
  'Supersession',
  'ConfirmPreview',
  'ImportProgress',
  'ExportProgress',
  'Logger',
] as const;

const program = ts.createProgram([path.join(ROOT, 'src/index.ts')], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
});
const checker = program.getTypeChecker();
const entry = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, 'src/index.ts'))!)!;
const exported = new Map(checker.getExportsOfModule(entry).map((s) => [s.getName(), s]));

function declaredType(name: string): ts.Type {
  const symbol = exported.get(name);
  if (symbol === undefined) throw new Error(`the package entry does not export ${name}`);
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  return checker.getDeclaredTypeOfSymbol(target);
}

/** Property names of an exported type, without those marked @internal (tests and benchmarks only). */
function publicKeys(name: string): string[] {
  return checker
    .getPropertiesOfType(declaredType(name))
    .filter((p) => !p.getJsDocTags(checker).some((t) => t.name === 'internal'))
    .map((p) => p.getName());
}

/** The string literals of an exported union type. */
function unionMembers(name: string): string[] {
  const type = declaredType(name);
  const parts = type.isUnion() ? type.types : [type];
  return parts.filter((t): t is ts.StringLiteralType => t.isStringLiteral()).map((t) => t.value);
}

const named = (doc: string, key: string): boolean => doc.includes(`\`${key}\``) || doc.includes(`\`${key}(`);

describe('docs/library.md', () => {
  for (const type of DOCUMENTED_TYPES) {
    it(`names every key of ${type}`, () => {
      const keys = publicKeys(type);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !named(LIBRARY_DOC, k))).toEqual([]);
    });
  }

  it('names every fault code, and docs/cli.md every usage-error code', () => {
    expect(unionMembers('FaultCode').filter((c) => !named(LIBRARY_DOC, c))).toEqual([]);
    const usage = unionMembers('UsageCode');
    expect(usage.length).toBeGreaterThan(10);
    expect(usage.filter((c) => !named(CLI_DOC, c))).toEqual([]);
  });

  it('names every function and class the package exports', () => {
    const values = [...exported.values()].filter((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return target.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable);
    });
    expect(values.map((s) => s.getName()).filter((n) => !named(LIBRARY_DOC, n))).toEqual([]);
  });
});
