/** Client-side filters, pure: the list endpoint has none (vorel-api.md §2). */
import type { Conversation } from '../types.js';
import type { ExportFilters, MissingField } from './options.js';

const MISSING_FIELD: Record<MissingField, 'customer_name' | 'customer_language'> = {
  name: 'customer_name',
  language: 'customer_language',
};

export function matches(c: Conversation, f: ExportFilters): boolean {
  if (f.channels.size > 0 && !f.channels.has(c.channel.toLowerCase())) return false;
  if (f.statuses.size > 0 && !f.statuses.has(c.status.toLowerCase())) return false;
  if (f.createdAfter !== null || f.createdBefore !== null) {
    const created = Date.parse(c.created_at);
    if (Number.isNaN(created)) return false;
    if (f.createdAfter !== null && created < f.createdAfter) return false;
    if (f.createdBefore !== null && created >= f.createdBefore) return false;
  }
  if (f.missing.size > 0 && ![...f.missing].some((field) => c[MISSING_FIELD[field]] === null)) return false;
  return true;
}

/** The list is newest first (vorel-api.md §2): every later row is older too, the scan can stop. */
export function pastLowerBound(c: Conversation, f: ExportFilters): boolean {
  return f.createdAfter !== null && Date.parse(c.created_at) < f.createdAfter;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO date (midnight UTC) or date-time with a zone, as epoch ms; without a zone it would mean this machine's. */
export function parseIsoInstant(text: string): number | null {
  const date = ISO_DATE.exec(text);
  const dateTime = date ? null : ISO_DATE_TIME.exec(text);
  const parts = date ?? dateTime;
  if (!parts) return null;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Date.parse rolls 2025-02-30 over to March: check the calendar date ourselves.
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  if (dateTime && (Number(dateTime[4]) > 23 || Number(dateTime[5]) > 59 || Number(dateTime[6] ?? 0) > 59)) return null;
  const ms = Date.parse(date ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? null : ms;
}
