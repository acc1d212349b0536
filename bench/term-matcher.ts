/**
 * `npm run bench:terms`: what one blocked-term check costs on the send path (issue #21's target:
 * 1,000 terms per room and a 500-character message in at most 50 us). A check is what the server
 * does per message: normalise the text (NFKC, case, invisible characters, spacing), then run the
 * room's and the site's automata over it. Prints a table; the compile cost (once per term list
 * change, per replica) is in it too.
 *
 *   npm run bench:terms [-- --terms 1000 --site 500 --length 500 --checks 20000]
 */
import { parseArgs } from "node:util";
import { normalizeText } from "../src/moderation/text-normalize.js";
import { TermMatcher, type TermRule } from "../src/moderation/term-matcher.js";
import { textTable } from "./report/text-table.js";

const { values } = parseArgs({
  options: {
    terms: { type: "string", default: "1000" },
    site: { type: "string", default: "500" },
    length: { type: "string", default: "500" },
    checks: { type: "string", default: "20000" },
  },
});
const roomTerms = Number(values.terms);
const siteTerms = Number(values.site);
const length = Number(values.length);
const checks = Number(values.checks);

/** A deterministic generator, so runs compare. */
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const letters = "abcdefghijklmnopqrstuvwxyzéü";
const word = (min: number, max: number) => Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => letters[Math.floor(random() * letters.length)]).join("");

function rules(n: number, prefix: string): TermRule[] {
  return Array.from({ length: n }, (_, i) => ({
    term: normalizeText(`${prefix}${word(4, 10)}${i % 7 === 0 ? ` ${word(3, 6)}` : ""}`),
    action: i % 3 === 0 ? "hold" : "block",
    match: i % 2 === 0 ? "word" : "substring",
  }));
}

/** Chat-like text of `length` characters: short words, spaces, some capitals, emoji and a zero-width space. */
function message(extra = ""): string {
  let text = extra;
  while (text.length < length) text += `${random() < 0.1 ? "Hey" : word(2, 8)}${random() < 0.05 ? " 😀" : ""}${random() < 0.02 ? "\u200B" : ""} `;
  return text.slice(0, length);
}

function time(label: string, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e3;
}

const room = rules(roomTerms, "q");
const site = rules(siteTerms, "z");
let roomMatcher!: TermMatcher;
let siteMatcher!: TermMatcher;
const compileUs = time("compile", () => {
  roomMatcher = TermMatcher.compile(room);
  siteMatcher = TermMatcher.compile(site);
});

const asciiOnly = (text: string) => text.replace(/[^\x20-\x7e]/g, "a");
const cases: { name: string; texts: string[] }[] = [
  { name: "plain ASCII text", texts: Array.from({ length: 200 }, () => asciiOnly(message())) },
  { name: "text with accents, emoji", texts: Array.from({ length: 200 }, () => message()) },
  { name: "a room term at the end", texts: Array.from({ length: 200 }, () => message().slice(0, length - 20) + ` ${room[1]!.term} `) },
  { name: "full-width + zero-width", texts: Array.from({ length: 200 }, () => message("ＦＵＬＬ\u200Bwidth ")) },
];

const rows: (string | number)[][] = [];
let sink = 0;
for (const c of cases) {
  // Warm up the JIT on the same path, then measure per check (one normalise + both automata).
  for (let i = 0; i < 2_000; i++) sink += roomMatcher.check(normalizeText(c.texts[i % c.texts.length]!)) ? 1 : 0;
  const samples: number[] = [];
  for (let i = 0; i < checks; i++) {
    const text = c.texts[i % c.texts.length]!;
    const start = process.hrtime.bigint();
    const normalized = normalizeText(text);
    const hit = siteMatcher.check(normalized) ?? roomMatcher.check(normalized);
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
    if (hit) sink++;
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  const p = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  rows.push([c.name, roomTerms, siteTerms, length, mean.toFixed(1), p(0.5).toFixed(1), p(0.99).toFixed(1), mean <= 50 ? "met" : "missed"]);
}

console.log(`blocked-term check: normalise + site and room automata (${checks} checks per row; compile of both lists: ${(compileUs / 1000).toFixed(1)} ms)\n`);
console.log(textTable(["text", "room terms", "site terms", "chars", "mean us", "p50 us", "p99 us", "50 us target"], rows));
if (sink < 0) console.log(sink); // keeps the checks from being optimised away
