/**
 * The tenant's conversations in memory, from one scan of the list endpoint (vorel-api.md §2:
 * `limit` 1–100, `next_cursor`, newest first; ceil(T/100) requests for T conversations).
 * Memory is O(tenant): measured ~210 bytes per conversation indexed by id, ~360 with the
 * identifier map (`--match-by customer_identifier`), so ~200–350 MB for a million conversations.
 */
import type { ApiClient, ApiErrorCode } from '../api/client.js';
import type { Conversation, WritableValues } from '../types.js';
import { normaliseChannel, normaliseIdentifier } from './identifier.js';

/** The list endpoint's largest page (vorel-api.md §2). */
export const LIST_PAGE_SIZE = 100;

/** What the index keeps of one conversation. */
export interface IndexedConversation {
  readonly id: string;
  readonly channel: string;
  /** Current values; updated after each write of the run, so later rows compare against them. */
  values: WritableValues;
}

/** Resolving a customer_identifier (and optional channel) to conversations. */
export type IdentifierMatch =
  | { kind: 'one'; entry: IndexedConversation }
  | { kind: 'none' }
  | { kind: 'many'; entries: readonly IndexedConversation[] };

export function valuesOf(c: Pick<Conversation, keyof WritableValues>): WritableValues {
  return { customer_name: c.customer_name, customer_language: c.customer_language };
}

export class TenantIndex {
  private readonly byId = new Map<string, IndexedConversation>();
  /** Normalised identifier → its conversations (one per channel, usually one in all). */
  private readonly byIdentifier: Map<string, IndexedConversation[]> | null;

  /** `identifiers`: also index by customer_identifier (only `--match-by customer_identifier` needs it). */
  constructor(opts: { identifiers: boolean }) {
    this.byIdentifier = opts.identifiers ? new Map() : null;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Adds a conversation; false when its id is already indexed (a page seen twice). */
  add(c: Conversation): boolean {
    const id = c.id.toLowerCase();
    if (this.byId.has(id)) return false;
    const entry: IndexedConversation = { id, channel: normaliseChannel(c.channel), values: valuesOf(c) };
    this.byId.set(id, entry);
    if (this.byIdentifier !== null) {
      const key = normaliseIdentifier(c.customer_identifier);
      const list = this.byIdentifier.get(key);
      if (list === undefined) this.byIdentifier.set(key, [entry]);
      else list.push(entry);
    }
    return true;
  }

  get(id: string): IndexedConversation | undefined {
    return this.byId.get(id);
  }

  /** Every conversation with this identifier (on `channel`, when given). More than one is never guessed between. */
  match(identifier: string, channel: string | null): IdentifierMatch {
    if (this.byIdentifier === null) throw new Error('internal: the tenant index was built without identifiers');
    const all = this.byIdentifier.get(normaliseIdentifier(identifier)) ?? [];
    const wanted = channel === null ? null : normaliseChannel(channel);
    const entries = wanted === null ? all : all.filter((e) => e.channel === wanted);
    if (entries.length === 0) return { kind: 'none' };
    const [only] = entries;
    if (entries.length === 1 && only !== undefined) return { kind: 'one', entry: only };
    return { kind: 'many', entries };
  }
}

export type ScanResult =
  | { ok: true; pages: number; requests: number }
  | { ok: false; code: ApiErrorCode | 'bad_pagination'; message: string; pages: number; requests: number };

/**
 * Reads every conversation into `index`, page by page through the client (limiter, retries,
 * 429 pauses). Bounded: a page must add conversations the index has not seen, else the scan
 * stops with `bad_pagination` rather than loop on a server that repeats itself.
 */
export async function scanTenant(
  client: ApiClient,
  index: TenantIndex,
  onPage?: (pages: number, conversations: number) => void,
): Promise<ScanResult> {
  let cursor: string | null = null;
  let pages = 0;
  let requests = 0;
  for (;;) {
    const page = await client.listConversations({ cursor, limit: LIST_PAGE_SIZE });
    requests += page.attempts;
    if (!page.ok) return { ok: false, code: page.code, message: page.message, pages, requests };
    pages++;
    let added = 0;
    for (const c of page.data.data) if (index.add(c)) added++;
    onPage?.(pages, index.size);
    if (!page.data.has_more || page.data.next_cursor === null) return { ok: true, pages, requests };
    if (added === 0) {
      const message = `GET /api/v1/conversations: page ${pages} after cursor ${cursor ?? '(none)'} brought no new conversation but says has_more; stopping the scan`;
      return { ok: false, code: 'bad_pagination', message, pages, requests };
    }
    cursor = page.data.next_cursor;
  }
}
