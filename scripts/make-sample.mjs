// Regenerates fixtures/sample.csv (deterministic): `npm run build && node scripts/make-sample.mjs`.
// Its ids are those of the emulator's default data (seed 1, 1000 conversations), so the sample
// imported against a plain `vorel-sync emulator` updates rows (test/emulator-seed.test.ts checks it).
import { writeFileSync } from 'node:fs';
import { DEFAULTS } from '../dist/emulator/options.js';
import { generateConversations } from '../dist/emulator/seed.js';

const seeded = generateConversations(DEFAULTS.seed, DEFAULTS.count, 0).map((c) => c.id);
let next = 0;
const uuid = () => seeded[next++];

let state = 20261125;
const rand = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const people = [
  ['François Dubois', 'fr'],
  ['Åsa Lindqvist', 'sv-SE'],
  ['Δημήτρης Κωνσταντίνου', 'el'],
  ['Иван Петров', 'ru'],
  ['עדי כהן', 'he'],
  ['محمد العلي', 'ar'],
  ['日本 太郎', 'ja-JP'],
  ['김민준', 'ko'],
  ['Zoë Müller 👋', 'de-CH'],
  ['José Ñúñez', 'es-MX'],
  ['Siobhán O’Connor', 'en-IE'],
  ['Doe, Jane', 'en'],
  ['Łukasz Wiśniewski', 'pl'],
  ['Nguyễn Văn An', 'vi'],
  ['Priya Sharma', 'hi'],
  ['Ayşe Yılmaz', 'tr'],
  ['João Silva', 'pt-BR'],
  ['Olivia Smith', 'en-GB'],
  ['Chen Wei 陈伟', 'zh'],
  ['Sørina "Sue" Hall', 'en-US'],
];
const lines = ['id,customer_name,customer_language'];
const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
let repeated;
for (let i = 0; i < 196; i++) {
  const [name, lang] = pick(people);
  const id = uuid();
  if (i === 40) repeated = id;
  if (i === 17)
    lines.push(`${id},,${lang}`); // empty name: clears it
  else if (i === 63)
    lines.push(`${id},${quote(`${name} (VIP)`)},`); // empty language: clears it
  else lines.push(`${id},${quote(`${name} #${i + 1}`)},${lang}`);
}
lines.splice(30, 0, 'not-a-uuid,Broken Row,en');
lines.splice(80, 0, `${uuid()},Shouting Language,EN`);
lines.splice(120, 0, `${uuid()},${'Very Long Name '.repeat(14)},en`);
lines.splice(150, 0, `${uuid()},Underscore Region,en_US`);
lines.push(`${repeated},Renamed Later,fr`);
writeFileSync(new URL('../fixtures/sample.csv', import.meta.url), `${lines.join('\r\n')}\r\n`);
console.log(`wrote ${lines.length - 1} rows`);
