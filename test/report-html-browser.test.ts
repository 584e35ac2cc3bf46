/**
 * report.html as a browser renders it: headless Chromium (Debian's `chromium`) dumps the DOM after
 * the page's script ran, and takes a phone-width screenshot. Skipped when Chromium is missing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { cli, onlyRunDir, tempDir } from './helpers/cli.js';
import { emulatorWith, testId } from './helpers/emulator.js';

const CHROMIUM = ['chromium', 'chromium-browser'].find((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0);

const XSS_NAME = '<script>document.title="pwned"</script>';
const XSS_ID = '<img src=x onerror="document.body.dataset.pwned=1">';

/** Runs headless Chromium on a page; bounded, with a throwaway profile and no background network. */
function chromium(work: string, args: string[], url: string): string {
  const r = spawnSync(
    CHROMIUM!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${path.join(work, 'profile')}`,
      ...args,
      url,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`chromium failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(CHROMIUM === undefined)('report.html in headless Chromium', () => {
  let emulator: Emulator;
  let work: string;
  let page: string;
  let runId: string;

  beforeAll(async () => {
    // A strict rate limit without rate headers (the client cannot see the budget coming to an
    // end) and a client allowed to exceed it: the chart gets 429s.
    emulator = await emulatorWith(12, { rateLimit: { limit: 4, windowMs: 1000, headers: 'never' }, faults: { latencyMs: 300 } });
    work = tempDir();
    const file = path.join(work, 'contacts.csv');
    const rows = ['id,name,language'];
    for (let i = 1; i <= 12; i++) rows.push(`${testId(i)},Person ${i},en`);
    rows.push(`${testId(23)},Zoë Ødegård,fr`, `${testId(24)},Nobody,de`); // 404: not_found
    rows.push(`${testId(1)},"${XSS_NAME.replaceAll('"', '""')}",EN`); // bad_language, a name with <script>
    rows.push(`"${XSS_ID.replaceAll('"', '""')}",X,en`); // invalid_uuid, an id with markup
    writeFileSync(file, `${rows.join('\n')}\n`);
    const reports = path.join(work, 'reports');
    const r = await cli(['import', file, '--base-url', emulator.baseUrl, '--rate', '600', '--report-dir', reports], {
      env: { VOREL_API_KEY: emulator.apiKey },
    });
    expect(r.code, r.stderr).toBe(1);
    const runDir = onlyRunDir(reports);
    runId = path.basename(runDir);
    page = pathToFileURL(path.join(runDir, 'report.html')).href;
  });
  afterAll(() => emulator?.close());

  it('renders totals, the outcome bar, the request chart with 429s and the ranked codes', () => {
    const dom = chromium(work, ['--dump-dom'], page);
    expect(dom).toMatch(/id="total-updated"><b>12<\/b>/);
    expect(dom).toMatch(/id="total-failed"><b>2<\/b>/);
    expect(dom).toMatch(/id="total-invalid"><b>2<\/b>/);
    expect(dom).toMatch(/<svg class="bar"[^>]*>.*<rect /s);
    expect(dom).toMatch(/<svg class="chart"[^>]*>.*<rect class="req"/s);
    expect(dom).toMatch(/<rect class="r429"/);
    expect(dom).toMatch(/<code>not_found<\/code><\/td><td class="n">2<\/td>/);
  });

  it('shows names and ids with markup as text and runs none of it', () => {
    const dom = chromium(work, ['--dump-dom'], page);
    expect(dom).toContain(`<title>vorel-sync import ${runId}</title>`);
    expect(dom).not.toMatch(/<body[^>]*data-pwned/);
    expect(dom).toContain('&lt;script&gt;document.title="pwned"&lt;/script&gt;');
    expect(dom).toContain('&lt;img src=x onerror="document.body.dataset.pwned=1"&gt;');
  });

  it('filters the rows with the search box (prefilled from #q=)', () => {
    const dom = chromium(work, ['--dump-dom'], `${page}#q=not_found`);
    const rows = [
      .../<tbody>([\s\S]*?)<\/tbody>/g.exec(dom.slice(dom.indexOf('id="problems"')))![1]!.matchAll(/<tr( style="display: none;")?>/g),
    ];
    expect(rows).toHaveLength(4);
    expect(rows.filter((m) => m[1] === undefined)).toHaveLength(2);
    expect(dom).toContain('<span id="shown" class="legend">2 shown</span>');
  });

  it('takes a phone-width screenshot (414 px)', () => {
    const png = path.join(work, 'phone.png');
    chromium(work, [`--screenshot=${png}`, '--window-size=414,900', '--hide-scrollbars'], page);
    expect(statSync(png).size).toBeGreaterThan(10_000);
    expect(readFileSync(png).readUInt32BE(16)).toBe(414); // PNG IHDR width
  });
});
