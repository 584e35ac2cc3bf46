/** The tenant's conversations in memory from one list scan (vorel-api.md §2; memory: CONTRIBUTING.md, "Memory"). */
import type { ApiClient, ApiErrorCode } from '../../api/client.js';
import { ListStopped, listPages } from '../../api/list-pages.js';
import type { Conversation, WritableValues } from '../../types.js';
import { normaliseChannel, normaliseIdentifier } from '../read/identifier.js';

interface IndexedConversation {
  readonly id: string;
  readonly channel: string;
  /** Updated after each write of the run. */
  values: WritableValues;
}

export function valuesOf(c: Pick<Conversation, keyof WritableValues>): WritableValues {
  return { customer_name: c.customer_name, customer_language: c.customer_language };
}

const SHARED_STRINGS = 4096;

export class TenantIndex {
  private readonly byId = new Map<string, IndexedConversation>();
  /** An array only when several conversations share the identifier. */
  private readonly byIdentifier: Map<string, IndexedConversation | IndexedConversation[]> | null;
  private readonly shared = new Map<string, string>();

  constructor(opts: { identifiers: boolean }) {
    this.byIdentifier = opts.identifiers ? new Map() : null;
  }

  get size(): number {
    return this.byId.size;
  }

  /** False when the id is indexed already (a page seen twice). */
  add(c: Conversation): boolean {
    const id = c.id.toLowerCase();
    if (this.byId.has(id)) return false;
    const language = c.customer_language === null ? null : this.share(c.customer_language);
    const entry: IndexedConversation = {
      id,
      channel: this.share(normaliseChannel(c.channel)),
      values: { customer_name: c.customer_name, customer_language: language },
    };
    this.byId.set(id, entry);
    if (this.byIdentifier !== null) {
      const key = normaliseIdentifier(c.customer_identifier);
      const found = this.byIdentifier.get(key);
      if (found === undefined) this.byIdentifier.set(key, entry);
      else if (Array.isArray(found)) found.push(entry);
      else this.byIdentifier.set(key, [found, entry]);
    }
    return true;
  }

  private share(text: string): string {
    const known = this.shared.get(text);
    if (known !== undefined) return known;
    // A bounded table: a tenant with a language or channel per conversation gains nothing from it.
    if (this.shared.size < SHARED_STRINGS) this.shared.set(text, text);
    return text;
  }

  get(id: string): IndexedConversation | undefined {
    return this.byId.get(id);
  }

  /** Every conversation with the identifier (on the channel, when given). */
  match(identifier: string, channel: string | null): readonly IndexedConversation[] {
    if (this.byIdentifier === null) throw new Error('internal: the tenant index was built without identifiers');
    const found = this.byIdentifier.get(normaliseIdentifier(identifier));
    const all = found === undefined ? [] : Array.isArray(found) ? found : [found];
    const wanted = channel === null ? null : normaliseChannel(channel);
    return wanted === null ? all : all.filter((e) => e.channel === wanted);
  }
}

type ScanResult =
  | { ok: true; pages: number; requests: number }
  | { ok: false; code: ApiErrorCode | 'bad_pagination'; message: string; pages: number; requests: number };

/** The pager stops a server that repeats itself with `bad_pagination` rather than loop. */
export async function scanTenant(
  client: ApiClient,
  index: TenantIndex,
  onPage?: (pages: number, conversations: number) => void,
): Promise<ScanResult> {
  let pages = 0;
  let requests = 0;
  try {
    for await (const page of listPages(client, {})) {
      ({ number: pages, requests } = page);
      for (const c of page.conversations) index.add(c);
      onPage?.(pages, index.size);
    }
  } catch (error) {
    if (!(error instanceof ListStopped)) throw error;
    // The pager's own guards name no request; the client's failures already do.
    const message = error.code === 'bad_pagination' ? `GET /api/v1/conversations: ${error.message}; stopping the scan` : error.message;
    return { ok: false, code: error.code, message, pages: error.pages, requests: error.requests };
  }
  return { ok: true, pages, requests };
}
