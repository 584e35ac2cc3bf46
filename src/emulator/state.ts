/**
 * The emulator's conversations. Kept sorted like the list endpoint (created_at DESC, id DESC,
 * vorel-api.md §2 [LIST]) with an id → position map, so a page costs O(limit) whatever the size.
 * PATCH never changes the sort keys, so only inserts re-sort.
 */
import type { Conversation, ConversationPatch } from '../types.js';
import { isUuid } from './validate.js';

/** One page of the list endpoint, with the three required keys [LIST]. */
export interface ConversationPage {
  data: Conversation[];
  next_cursor: string | null;
  has_more: boolean;
}

interface Row {
  conversation: Conversation;
  /** created_at in ms, for sorting by instant rather than by string. */
  time: number;
}

/** A copy with the keys in the documented order (vorel-api.md §1, 200 response). */
export function copyConversation(c: Conversation): Conversation {
  return {
    id: c.id,
    channel: c.channel,
    customer_identifier: c.customer_identifier,
    status: c.status,
    created_at: c.created_at,
    customer_name: c.customer_name,
    customer_language: c.customer_language,
    first_message_at: c.first_message_at,
    last_message_at: c.last_message_at,
  };
}

const compareRows = (a: Row, b: Row): number =>
  b.time - a.time || (a.conversation.id < b.conversation.id ? 1 : a.conversation.id > b.conversation.id ? -1 : 0);

const pairKey = (c: Conversation): string => `${c.channel}\u0000${c.customer_identifier}`;

/** In-memory table of one tenant's conversations. */
export class ConversationStore {
  private rows: Row[] = [];
  private positions = new Map<string, number>();
  /** (channel, customer_identifier) → id: the pair is unique per tenant (vorel-api.md §1 [CRE]). */
  private pairs = new Map<string, string>();

  get size(): number {
    return this.rows.length;
  }

  /**
   * Inserts copies (ids lower-cased); a known id is replaced. Throws on a malformed id or
   * created_at, or on a (channel, customer_identifier) pair another id already holds, as the real
   * API answers 409 to such a create. Names and languages are stored as given, even invalid ones.
   */
  insert(conversations: readonly Conversation[]): void {
    const incoming = new Map<string, Row>();
    for (const given of conversations) {
      if (!isUuid(given.id)) throw new RangeError(`conversation id is not a UUID: ${given.id}`);
      const conversation = copyConversation({ ...given, id: given.id.toLowerCase() });
      const time = Date.parse(conversation.created_at);
      if (!Number.isFinite(time)) throw new RangeError(`bad created_at for ${conversation.id}: ${conversation.created_at}`);
      incoming.set(conversation.id, { conversation, time });
    }
    const pairs = new Map(this.pairs);
    for (const { conversation } of incoming.values()) {
      const old = this.getRow(conversation.id);
      if (old && pairs.get(pairKey(old.conversation)) === conversation.id) pairs.delete(pairKey(old.conversation));
    }
    for (const { conversation } of incoming.values()) {
      const holder = pairs.get(pairKey(conversation));
      if (holder !== undefined && holder !== conversation.id) {
        throw new RangeError(
          `(${conversation.channel}, ${conversation.customer_identifier}) already belongs to ${holder}; the pair is unique per tenant`,
        );
      }
      pairs.set(pairKey(conversation), conversation.id);
    }
    const kept = this.rows.filter((r) => !incoming.has(r.conversation.id));
    const next = kept.concat([...incoming.values()]);
    next.sort(compareRows);
    this.rows = next;
    this.pairs = pairs;
    this.reindex();
  }

  /** Bulk load of rows already in list order with unique ids and pairs (the seed generator). */
  loadSorted(conversations: Conversation[]): void {
    this.rows = conversations.map((conversation) => ({ conversation, time: Date.parse(conversation.created_at) }));
    this.pairs = new Map(conversations.map((c) => [pairKey(c), c.id]));
    this.reindex();
  }

  /** A copy of one conversation; the id is matched case-insensitively. */
  get(id: string): Conversation | undefined {
    const row = this.getRow(id.toLowerCase());
    return row ? copyConversation(row.conversation) : undefined;
  }

  /** Applies a validated patch; returns the new state, or undefined for an unknown id. */
  patch(id: string, patch: ConversationPatch): Conversation | undefined {
    const row = this.getRow(id.toLowerCase());
    if (!row) return undefined;
    if (patch.customer_name !== undefined) row.conversation.customer_name = patch.customer_name;
    if (patch.customer_language !== undefined) row.conversation.customer_language = patch.customer_language;
    return copyConversation(row.conversation);
  }

  /** One list page after `cursor` (an id), or undefined when the cursor is not a known id. */
  page(limit: number, cursor: string | null): ConversationPage | undefined {
    let start = 0;
    if (cursor !== null) {
      const at = this.positions.get(cursor.toLowerCase());
      if (at === undefined) return undefined;
      start = at + 1;
    }
    const slice = this.rows.slice(start, start + limit);
    const hasMore = start + limit < this.rows.length;
    const last = slice[slice.length - 1];
    return {
      data: slice.map((r) => copyConversation(r.conversation)),
      next_cursor: hasMore && last ? last.conversation.id : null,
      has_more: hasMore,
    };
  }

  /** Copies of every conversation, in list order. */
  all(): Conversation[] {
    return this.rows.map((r) => copyConversation(r.conversation));
  }

  private getRow(id: string): Row | undefined {
    const at = this.positions.get(id);
    return at === undefined ? undefined : this.rows[at];
  }

  private reindex(): void {
    this.positions = new Map(this.rows.map((r, i) => [r.conversation.id, i]));
  }
}
