/** Current values read before a write: one GET per row, or a scan of the tenant, through the run's one client. */
import type { ApiClient } from '../../api/client.js';
import { LIST_PAGE_SIZE } from '../../api/list-pages.js';
import { paceFor } from '../../rate-pace.js';
import type { Logger } from '../../log.js';
import type { FileScan } from '../first-pass/first-pass.js';
import type { ImportOptions, MatchBy, ReadStrategy } from '../../options.js';
import type { Conversation, RowOutcome, WritableValues } from '../../types.js';
import { normaliseIdentifier } from '../read/identifier.js';
import { failureOutcome } from './row-handler.js';
import { scanTenant, TenantIndex, valuesOf } from './tenant-index.js';
import type { RowTarget } from '../read/check.js';

const SCAN_PROGRESS_EVERY_PAGES = 100;

export interface ModeContext {
  client: ApiClient;
  scan: FileScan;
  log: Logger;
  /** The tenant scan failed: the rows left end `not_attempted`. */
  abort(message: string): void;
}

/** `--read auto`: one GET per row below this many data rows (contract). */
export const AUTO_GET_BELOW_ROWS = 500;

export type CurrentRead =
  | { ok: true; id: string; values: WritableValues; httpStatus: number | null; attempts: number }
  | { ok: false; id: string | null; outcome: RowOutcome };

export interface CurrentValues {
  read(target: RowTarget): Promise<CurrentRead>;
  /** What a row wrote (or would write): later rows of the id compare against it. */
  remember(id: string, values: WritableValues): void;
  readonly requests: number;
}

interface ReadChoice {
  strategy: 'get' | 'list';
  reason: string;
}

export function chooseReadStrategy(opts: { read: ReadStrategy; matchBy: MatchBy; stdin: boolean; rows: number }): ReadChoice {
  if (opts.matchBy === 'customer_identifier') {
    return { strategy: 'list', reason: 'matching by customer_identifier needs the whole tenant: the API cannot search by it' };
  }
  if (opts.read === 'get') return { strategy: 'get', reason: '--read get' };
  if (opts.read === 'list') return { strategy: 'list', reason: '--read list' };
  if (opts.stdin) return { strategy: 'list', reason: '--read auto scans for stdin input' };
  return opts.rows < AUTO_GET_BELOW_ROWS
    ? { strategy: 'get', reason: `--read auto: ${opts.rows} data rows, under ${AUTO_GET_BELOW_ROWS}` }
    : {
        strategy: 'list',
        reason: `--read auto: ${opts.rows} data rows, ${AUTO_GET_BELOW_ROWS} or more (one GET each would cost ${opts.rows} requests)`,
      };
}

/** Says which strategy and its cost, then opens it (the whole scan for a list). */
export async function openCurrentValues(
  opts: ImportOptions,
  ctx: ModeContext,
  choice: ReadChoice,
): Promise<{ current: CurrentValues; scanned: number | null }> {
  const { client, log, scan } = ctx;
  if (choice.strategy === 'get') {
    if (scan.validRows > 0) log.info(`reading current values with one GET per row: ${scan.validRows} requests (${choice.reason})`);
    return { current: readByGet(client, scan.duplicateIds), scanned: null };
  }
  const index = new TenantIndex({ identifiers: opts.matchBy === 'customer_identifier' });
  if (scan.validRows === 0) return { current: readFromIndex(client, index, 0), scanned: 0 };
  const secondsPer10k = Math.round((10_000 / LIST_PAGE_SIZE) * (60 / paceFor(opts.rate, undefined).per_min));
  log.info(
    `reading current values by scanning the tenant: one list request per ${LIST_PAGE_SIZE} conversations, ` +
      `~${secondsPer10k} s per 10,000 at --rate ${opts.rate} (${choice.reason})`,
  );
  const result = await scanTenant(client, index, (pages, conversations) => {
    if (pages % SCAN_PROGRESS_EVERY_PAGES === 0)
      log.info(`scanning the tenant: ${conversations} conversations so far (${pages} list requests)`);
  });
  if (result.ok) log.info(`scanned ${index.size} conversations with ${result.pages} list requests`);
  else ctx.abort(`reading current values failed after ${result.pages} list pages: ${result.message}`);
  return { current: readFromIndex(client, index, result.requests), scanned: index.size };
}

async function getOne(client: ApiClient, id: string): Promise<{ read: CurrentRead; found: Conversation | null; attempts: number }> {
  const result = await client.getConversation(id);
  if (!result.ok) return { read: { ok: false, id, outcome: failureOutcome(result) }, found: null, attempts: result.attempts };
  const read: CurrentRead = { ok: true, id, values: valuesOf(result.data), httpStatus: result.status, attempts: result.attempts };
  return { read, found: result.data, attempts: result.attempts };
}

/** What a row wrote is remembered for `repeated` ids: a later row needs no request. */
function readByGet(client: ApiClient, repeated: ReadonlySet<string>): CurrentValues {
  const latest = new Map<string, WritableValues>();
  let requests = 0;
  return {
    async read(target) {
      if (target.by !== 'id') throw new Error('internal: GET per row cannot resolve a customer_identifier');
      const { id } = target;
      const known = latest.get(id);
      if (known !== undefined) return { ok: true, id, values: known, httpStatus: null, attempts: 0 };
      const { read, attempts } = await getOne(client, id);
      requests += attempts;
      return read;
    },
    remember(id, values) {
      if (repeated.has(id)) latest.set(id, values);
    },
    get requests() {
      return requests;
    },
  };
}

/** An id the scan did not see gets one GET: it may have been created after the scan passed its place. */
function readFromIndex(client: ApiClient, index: TenantIndex, scanRequests: number): CurrentValues {
  let requests = scanRequests;
  return {
    async read(target) {
      if (target.by === 'id') {
        const entry = index.get(target.id);
        if (entry !== undefined) return { ok: true, id: entry.id, values: entry.values, httpStatus: null, attempts: 0 };
        const { read, found, attempts } = await getOne(client, target.id);
        requests += attempts;
        if (found !== null) index.add(found);
        return read;
      }
      return resolveIdentifier(index, target.identifier, target.channel);
    },
    remember(id, values) {
      const entry = index.get(id);
      if (entry !== undefined) entry.values = values;
    },
    get requests() {
      return requests;
    },
  };
}

/** Exactly one conversation, or `not_found`; several are never guessed between (`ambiguous`). */
function resolveIdentifier(index: TenantIndex, identifier: string, channel: string | null): CurrentRead {
  const entries = index.match(identifier, channel);
  const [first] = entries;
  if (entries.length === 1 && first !== undefined) return { ok: true, id: first.id, values: first.values, httpStatus: null, attempts: 0 };
  const what = `customer_identifier ${JSON.stringify(identifier)}${channel === null ? '' : ` on channel ${JSON.stringify(channel)}`}`;
  const normalised = normaliseIdentifier(identifier);
  const compared = normalised === identifier ? '' : ` (compared as ${normalised})`;
  if (first === undefined) {
    const message = `no conversation of this tenant has ${what}${compared}`;
    return { ok: false, id: null, outcome: { kind: 'failed', code: 'not_found', message, httpStatus: null, attempts: 0 } };
  }
  const found = entries.map((e) => `${e.channel} ${e.id}`).join(', ');
  const hint = channel === null ? 'add a channel column to pick one' : 'the identifiers differ only in formatting; use the id instead';
  const message = `${what}${compared} matches ${entries.length} conversations (${found}): ${hint}; nothing was sent`;
  return { ok: false, id: null, outcome: { kind: 'invalid', code: 'ambiguous', message, httpStatus: null, attempts: 0 } };
}
