import { describe, expect, it } from 'vitest';
import { closestOption, levenshtein, unknownOption } from '../src/cli/option-table.js';
import { cli } from './helpers/cli.js';

describe('--help', () => {
  it.each([[['--help']], [['import', '--help']], [['export', '--help']], [['emulator', '--help']]])(
    'prints %j with examples, on stdout, exit 0',
    async (args) => {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/Examples:\n {2}# /);
      expect(r.stdout).toMatchSnapshot();
    },
  );

  it('shows the recipes people need first in import --help', async () => {
    const { stdout } = await cli(['import', '--help']);
    for (const recipe of [
      '--dry-run',
      '--plan',
      '--only-changed',
      '--resume reports/<run-id>',
      'failed.csv',
      'windows-1252',
      'Exit codes',
    ]) {
      expect(stdout).toContain(recipe);
    }
  });
});

describe('did you mean', () => {
  it('measures edit distance', () => {
    expect(levenshtein('dryrun', 'dry-run')).toBe(1);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
  });

  it('suggests the closest option, a prefix, or nothing when nothing is close', () => {
    const known = ['dry-run', 'dryRun', 'rate', 'retries', 'report-dir', 'reportDir', 'json', 'help'];
    expect(closestOption('dryrun', known)).toBe('dry-run');
    expect(closestOption('rat', known)).toBe('rate');
    expect(closestOption('report', known)).toBe('report-dir');
    expect(closestOption('retires', known)).toBe('retries');
    expect(closestOption('banana', known)).toBeNull();
  });

  it('names an unknown option as typed, with the nearest known one; a stray word is an unexpected argument', () => {
    const known = ['dry-run', 'json'];
    expect(unknownOption('dry-runn', known, ['import', 'a.csv', '--dry-runn'])).toBe('unknown option --dry-runn (did you mean --dry-run?)');
    expect(unknownOption('b.csv', known, ['import', 'a.csv', 'b.csv'])).toBe('unexpected argument "b.csv"');
  });

  it.each([
    [['import', 'a.csv', '--dryrun'], 'unknown option --dryrun (did you mean --dry-run?)'],
    [['import', 'a.csv', '--no-jsn'], 'unknown option --jsn (did you mean --json?)'],
    [['import', 'a.csv', '--report=x'], 'unknown option --report (did you mean --report-dir?)'],
    [['emulator', '--latency', '5'], 'unknown option --latency (did you mean --latency-ms?)'],
    [['improt', 'a.csv'], 'unknown command "improt" (did you mean import?)'],
  ])('%j exits 2 with "%s"', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${message}\n`);
    expect(r.stdout).toBe('');
  });
});
