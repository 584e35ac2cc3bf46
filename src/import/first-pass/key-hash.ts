/** Keys as the duplicate finder packs and hashes them: a UUID as four 32-bit words, anything else as text. */
const SEED_1 = 0x9747b28c;
const SEED_2 = 0x85ebca6b;

/** Lower case only: ids are lower-cased before they get here. */
const HEX = Int8Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1));

/** Eight hex digits from `from`, skipping the dash at `skip`; -1 when not hex. */
function hexWord(s: string, from: number, skip: number): number {
  let word = 0;
  let digits = 0;
  for (let i = from; digits < 8; i++) {
    if (i === skip) continue;
    const c = s.charCodeAt(i);
    const v = c < 128 ? (HEX[c] ?? -1) : -1;
    if (v < 0) return -1;
    word = (word << 4) | v;
    digits++;
  }
  return word >>> 0;
}

/** False for anything but a canonical lower-case UUID. */
export function uuidWords(s: string, out: Uint32Array): boolean {
  if (s.length !== 36 || s.charCodeAt(8) !== 45 || s.charCodeAt(13) !== 45 || s.charCodeAt(18) !== 45 || s.charCodeAt(23) !== 45)
    return false;
  const w0 = hexWord(s, 0, -1);
  const w1 = hexWord(s, 9, 13);
  const w2 = hexWord(s, 19, 23);
  const w3 = hexWord(s, 28, -1);
  if (w0 < 0 || w1 < 0 || w2 < 0 || w3 < 0) return false;
  out[0] = w0;
  out[1] = w1;
  out[2] = w2;
  out[3] = w3;
  return true;
}

export function uuidText(words: Uint32Array): string {
  const hex = (w: number | undefined): string => (w ?? 0).toString(16).padStart(8, '0');
  const a = hex(words[0]);
  const b = hex(words[1]);
  const c = hex(words[2]);
  const d = hex(words[3]);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/** murmur3's finaliser: spreads sequential ids (…0001, …0002) over the whole filter. */
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The probe step: the first hash re-mixed, half the work of a second hash. */
export function second(h1: number): number {
  return mix((h1 ^ SEED_2) >>> 0);
}

export function hashWords(words: Uint32Array): number {
  let h = SEED_1;
  for (let i = 0; i < 4; i++) h = Math.imul(mix((h ^ (words[i] ?? 0)) >>> 0), 0x9e3779b1);
  return mix(h >>> 0);
}

/** FNV-1a over UTF-16 code units, then mixed. */
export function hashText(s: string): number {
  let h = (0x811c9dc5 ^ SEED_1) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h >>> 0);
}
