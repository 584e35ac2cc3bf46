/**
 * Deterministic demo data: realistic conversations (vorel-api.md §1 object) that exercise the
 * hard cases of a CSV round trip: many scripts, emoji, quotes, commas, newlines, formula-like
 * names, null fields, and phones shared by WhatsApp and voice (ambiguous identifier matching).
 */
import type { Conversation } from '../types.js';
import { hashString, mulberry32, uuidFromRng } from './rng.js';
import type { Rng } from './rng.js';

const DAY_MS = 86_400_000;
/** created_at values spread over this span before the anchor. */
const SPAN_MS = 2 * 365 * DAY_MS;

interface Script {
  first: readonly string[];
  last: readonly string[];
  /** Joins first and last (CJK family-name-first without a space, etc.). */
  join: (first: string, last: string) => string;
  languages: readonly string[];
}

const spaced = (f: string, l: string): string => `${f} ${l}`;

type WeightedScript = { weight: number; script: Script };

/** Non-empty by type, so the fallback pick needs no check. */
const SCRIPTS: readonly [WeightedScript, ...WeightedScript[]] = [
  {
    weight: 30,
    script: {
      first: ['John', 'Emma', 'Olivia', 'Liam', 'Noah', 'Ava', 'Mia', 'Lucas', 'Grace', 'Henry'],
      last: ['Smith', 'Johnson', 'Brown', 'Taylor', 'Wilson', 'Davies', 'Evans', 'Walker', "O'Brien", 'Clarke'],
      join: spaced,
      languages: ['en', 'en-US', 'en-GB', 'en-AU'],
    },
  },
  {
    weight: 20,
    script: {
      first: ['José', 'María', 'François', 'Zoë', 'Søren', 'Łukasz', 'Inês', 'Björn', 'Anaïs', 'Çağrı', 'Ångström', 'Željko'],
      last: ['Álvarez', 'Müller', 'Lefèvre', 'Ødegård', 'Wójcik', 'Núñez', 'García', 'Novák', 'Yılmaz', 'Dvořák', 'Ibáñez'],
      join: spaced,
      languages: ['es', 'es-MX', 'de', 'de-CH', 'fr', 'fr-CA', 'da', 'pl', 'pt-BR', 'tr', 'sv', 'cs'],
    },
  },
  {
    weight: 6,
    script: {
      first: ['Γιώργος', 'Ελένη', 'Νίκος', 'Μαρία', 'Δημήτρης'],
      last: ['Παπαδόπουλος', 'Κωνσταντίνου', 'Οικονόμου', 'Γεωργίου'],
      join: spaced,
      languages: ['el', 'el-GR'],
    },
  },
  {
    weight: 8,
    script: {
      first: ['Дмитрий', 'Анна', 'Сергей', 'Ольга', 'Иван', 'Наталья'],
      last: ['Иванов', 'Смирнова', 'Кузнецов', 'Попова', 'Шевченко'],
      join: spaced,
      languages: ['ru', 'uk', 'bg'],
    },
  },
  {
    weight: 8,
    script: {
      first: ['محمد', 'فاطمة', 'أحمد', 'ليلى', 'يوسف', 'مريم'],
      last: ['العلي', 'حسن', 'الخطيب', 'منصور', 'الحسيني'],
      join: spaced,
      languages: ['ar', 'ar-EG', 'ar-AE'],
    },
  },
  {
    weight: 5,
    script: {
      first: ['דוד', 'שרה', 'יוסף', 'מיכל', 'נועה'],
      last: ['כהן', 'לוי', 'מזרחי', 'פרץ'],
      join: spaced,
      languages: ['he', 'he-IL'],
    },
  },
  {
    weight: 10,
    script: {
      // Full names: family name first, no space in Chinese/Korean, a space in Japanese.
      first: ['王伟', '李娜', '张敏', '陈静', '佐藤 花子', '鈴木 一郎', '김민준', '이서연'],
      last: [''],
      join: (full) => full,
      languages: ['zh', 'zh-CN', 'zh-TW', 'ja', 'ko'],
    },
  },
  {
    weight: 5,
    script: {
      first: ['Ana 🌸', '👩‍💻', 'Tom 👍🏽', '🎉', 'Kai 🏄‍♂️', 'Lea ❤️'],
      last: ['Dev Team', 'Party Supplies', 'Rivera', 'Sørensen', '🇯🇵 Tanaka'],
      join: spaced,
      languages: ['en', 'es', 'ja'],
    },
  },
];

/** Names that break naive CSV writers or spreadsheets (docs/cli.md: neutralised cells). */
const TRICKY_NAMES: readonly string[] = [
  'Smith, John',
  'Anna "Ann" Lee',
  "O'Connor, Máire",
  'Line one\nLine two',
  'Carriage\r\nReturn Ltd',
  '=SUM(A1)',
  '=HYPERLINK("http://example.com","click")',
  '-minus',
  '+1 Caller',
  '@mention',
  'Semi;colon',
  'Tab\tInside',
  'Back\\slash',
  '"Quoted"',
];

const TOTAL_WEIGHT = SCRIPTS.reduce((s, x) => s + x.weight, 0);
const STATUSES = ['active', 'active', 'active', 'closed', 'closed', 'closed', 'handoff_requested'] as const;
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'example.co.uk'] as const;
const LOCALS = ['anna', 'jose', 'li.wei', 'dmitri', 'sara', 'noah', 'fatima', 'yusuf', 'emma', 'kenji'] as const;
/** Country code + national number length, for E.164 numbers (ITU-T E.164: ≤15 digits). */
const PHONE_PLANS: readonly { cc: string; lead: string; digits: number }[] = [
  { cc: '44', lead: '7', digits: 9 },
  { cc: '1', lead: '', digits: 10 },
  { cc: '49', lead: '15', digits: 9 },
  { cc: '33', lead: '6', digits: 8 },
  { cc: '971', lead: '5', digits: 8 },
  { cc: '972', lead: '5', digits: 8 },
  { cc: '81', lead: '90', digits: 8 },
  { cc: '30', lead: '69', digits: 8 },
  { cc: '34', lead: '6', digits: 8 },
  { cc: '55', lead: '119', digits: 8 },
];
const ALL_LANGUAGES = SCRIPTS.flatMap((s) => s.script.languages);

function digits(rng: Rng, n: number): string {
  let s = String(1 + rng.int(9)); // no leading zero in a national number
  while (s.length < n) s += String(rng.int(10));
  return s;
}

function phone(rng: Rng): string {
  const plan = rng.pick(PHONE_PLANS);
  return `+${plan.cc}${plan.lead}${digits(rng, plan.digits)}`;
}

function pickScript(rng: Rng): Script {
  let roll = rng.int(TOTAL_WEIGHT);
  for (const { weight, script } of SCRIPTS) {
    if (roll < weight) return script;
    roll -= weight;
  }
  return SCRIPTS[0].script;
}

/** A name (or null) and a language (or null) that usually fits its script. */
function nameAndLanguage(rng: Rng): { name: string | null; language: string | null } {
  const roll = rng.next();
  const language = (fitting: readonly string[]): string | null =>
    rng.chance(0.12) ? null : rng.chance(0.15) ? rng.pick(ALL_LANGUAGES) : rng.pick(fitting);
  if (roll < 0.1) return { name: null, language: language(['en', 'en-US']) };
  if (roll < 0.13) return { name: rng.pick(TRICKY_NAMES), language: language(['en', 'fr']) };
  const script = pickScript(rng);
  const name = rng.chance(0.2) ? rng.pick(script.first) : script.join(rng.pick(script.first), rng.pick(script.last));
  return { name, language: language(script.languages) };
}

/**
 * `count` conversations in list order (created_at DESC, id DESC), fully determined by `seed` and
 * `anchorMs` (created_at values fall in the two years before the anchor, all distinct).
 * (channel, customer_identifier) pairs are unique; about a fifth of voice conversations reuse a
 * WhatsApp phone, so the same identifier appears on two channels.
 */
export function generateConversations(seed: number, count: number, anchorMs: number): Conversation[] {
  if (!Number.isInteger(count) || count < 0 || count > SPAN_MS) throw new RangeError(`bad count: ${count}`);
  const rng = mulberry32(seed);
  const out: Conversation[] = new Array<Conversation>(count);
  const used = new Set<string>(); // identifiers, all channels
  const whatsappOnly: string[] = []; // WhatsApp phones not yet used on voice
  const step = SPAN_MS / Math.max(count, 1);
  for (let i = 0; i < count; i++) {
    // Disjoint slices of the span keep created_at strictly decreasing, hence distinct.
    const lo = Math.floor(i * step);
    const width = Math.max(1, Math.floor((i + 1) * step) - lo);
    const created = anchorMs - 1 - lo - rng.int(width);
    const channelRoll = rng.next();
    const channel = channelRoll < 0.5 ? 'whatsapp' : channelRoll < 0.75 ? 'voice' : 'webform';
    let identifier: string;
    if (channel === 'voice' && whatsappOnly.length > 0 && rng.chance(0.2)) {
      // Swap-remove keeps the pick O(1) and the (voice, phone) pair unique.
      const at = rng.int(whatsappOnly.length);
      const last = whatsappOnly.pop() as string;
      identifier = at === whatsappOnly.length ? last : (whatsappOnly[at] as string);
      if (at < whatsappOnly.length) whatsappOnly[at] = last;
    } else {
      do {
        identifier = channel === 'webform' ? `${rng.pick(LOCALS)}${rng.int(100_000)}@${rng.pick(DOMAINS)}` : phone(rng);
      } while (used.has(identifier));
      used.add(identifier);
      if (channel === 'whatsapp') whatsappOnly.push(identifier);
    }
    const { name, language } = nameAndLanguage(rng);
    const messaged = rng.chance(0.92);
    // The first message lands just after creation; the last within three days, never after the anchor.
    const first = Math.min(created + rng.int(2000), anchorMs - 1);
    const last = first + rng.int(Math.max(1, Math.min(3 * DAY_MS, anchorMs - first)));
    out[i] = {
      id: uuidFromRng(rng),
      channel,
      customer_identifier: identifier,
      status: rng.pick(STATUSES),
      created_at: new Date(created).toISOString(),
      customer_name: name,
      customer_language: language,
      first_message_at: messaged ? new Date(first).toISOString() : null,
      last_message_at: messaged ? new Date(last).toISOString() : null,
    };
  }
  return out;
}

/**
 * A conversation with realistic defaults for the fields not given, derived from the id alone
 * (same id, same defaults): WhatsApp, a +1 phone, `active`, a 2025 created_at, an English name.
 */
export function makeConversation(partial: Partial<Conversation> & { id: string }): Conversation {
  const rng = mulberry32(hashString(partial.id.toLowerCase()));
  const created = Date.UTC(2025, 0, 1) + rng.int(365 * DAY_MS);
  const script = SCRIPTS[0].script;
  const defaults: Conversation = {
    id: partial.id.toLowerCase(),
    channel: 'whatsapp',
    customer_identifier: `+1${digits(rng, 10)}`,
    status: 'active',
    created_at: new Date(created).toISOString(),
    customer_name: script.join(rng.pick(script.first), rng.pick(script.last)),
    customer_language: 'en',
    first_message_at: new Date(created + 500).toISOString(),
    last_message_at: new Date(created + 500 + rng.int(DAY_MS)).toISOString(),
  };
  return { ...defaults, ...partial, id: defaults.id };
}
