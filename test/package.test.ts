/**
 * The published package, as a stranger gets it: `npm pack` of the built tree, installed globally
 * into an empty prefix with runtime dependencies only, then run from that prefix. `npm test`
 * builds dist/ before the tests, so the pack skips its scripts (a rebuild here would pull dist/
 * from under the tests that run it in parallel).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const run = promisify(execFile);
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

/** The environment without the settings of the `npm test` that runs us (its prefix, its package). */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_') || key.toLowerCase() === 'npm_config_cache') env[key] = value;
  }
  return env;
}

let work: string;
let bin: string;
let packed: { files: { path: string }[]; size: number; filename: string };
let emulator: ChildProcess | undefined;

beforeAll(async () => {
  work = tempDir('vorel-pack-');
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env: npmEnv() });
  packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0]!;
  const prefix = path.join(work, 'prefix');
  // --prefer-offline: the dependencies come from the npm cache that `npm ci` filled.
  await run(
    'npm',
    ['install', '-g', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', prefix, path.join(work, packed.filename)],
    { cwd: work, env: npmEnv() },
  );
  bin = path.join(prefix, 'bin', 'vorel-sync');
}, 180_000);

afterAll(() => {
  emulator?.kill();
});

describe('the packed tarball', () => {
  it('holds the built tool, its docs, README and LICENSE, and no tests, benches or fixtures', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/cli/bin.js',
        'dist/index.js',
        'dist/index.d.ts',
        'docs/cli.md',
        'docs/vorel-api.md',
        'schema/import-job.schema.json',
        'schema/export-job.schema.json',
      ]),
    );
    for (const file of files) expect(file).toMatch(/^(dist\/|docs\/|schema\/|package\.json$|README\.md$|LICENSE$)/);
    expect(files.filter((f) => /\.test\.|(^|\/)(test|bench|fixtures|src)\//.test(f))).toEqual([]);
  });

  it('ships an executable bin.js: the build sets its mode (npx and npm link run it directly)', () => {
    expect(statSync(path.join(ROOT, 'dist/cli/bin.js')).mode & 0o777).toBe(0o755);
  });

  it('lists as runtime dependencies exactly the packages src/ imports', () => {
    const imported = new Set<string>();
    for (const file of readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(path.join(ROOT, 'src', file), 'utf8').matchAll(
        /^(?:import|export)\b[^;]*?\bfrom '([^'.][^']*)'|\bimport\('([^'.][^']*)'\)/gms,
      )) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('node:')) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect([...imported].sort()).toEqual(Object.keys(manifest.dependencies).sort());
  });

  it('installs with the runtime dependencies only', () => {
    const installed = path.join(work, 'prefix', 'lib', 'node_modules', 'vorel-csv-sync', 'node_modules');
    for (const name of Object.keys(manifest.dependencies))
      expect(readFileSync(path.join(installed, name, 'package.json'), 'utf8')).toContain('"version"');
    for (const dev of ['csv-parse', 'vitest', 'typescript', 'fast-check', 'csv-spectrum']) {
      expect(() => readFileSync(path.join(installed, dev, 'package.json'))).toThrow();
    }
  });

  it('reports the version of package.json and prints its help', async () => {
    const { stdout } = await run(bin, ['--version'], { cwd: work });
    expect(stdout.trim()).toBe(manifest.version);
    const help = await run(bin, ['--help'], { cwd: work });
    expect(help.stdout).toMatch(/vorel-sync import/);
  });

  it('runs a dry run of the sample file (its few invalid rows on purpose: exit 1)', async () => {
    const reports = path.join(work, 'reports');
    const args = ['import', path.join(ROOT, 'fixtures/sample.csv'), '--dry-run', '--json', '--report-dir', reports];
    const failure = await run(bin, args, { cwd: work }).then(
      () => null,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    const summary = JSON.parse(failure?.stdout ?? '') as { exit_code: number; totals: Record<string, number>; input: { rows: number } };
    expect(summary.exit_code).toBe(1);
    expect(summary.input.rows).toBe(201);
    expect(summary.totals.valid! + summary.totals.invalid!).toBe(summary.input.rows);
    expect(summary.totals.valid).toBeGreaterThan(summary.totals.invalid!);
  });

  it('starts the emulator and prints its URL', async () => {
    const child = spawn(bin, ['emulator'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    emulator = child;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /^export VOREL_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`the emulator exited (${code}) before printing its URL: ${out}`)));
    });
    const res = await fetch(`${url}/api/v1/conversations?limit=1`);
    expect(res.status).toBe(401);
    child.kill();
  });
});
