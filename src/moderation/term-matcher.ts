/**
 * Blocked terms matched in one pass over a message, whatever the number of terms: an Aho-Corasick
 * automaton over UTF-16 code units, compiled once per term list (the bench, `npm run bench:terms`,
 * prints what a check costs: 1,000 terms and a 500-character message, well under 50 us).
 *
 * Texts and terms are compared in their normalised form (text-normalize.ts). A `word` term must
 * stand alone: no letter, digit or mark right before or after it; a `substring` term matches
 * anywhere. A blocking term wins over a holding one.
 */
import type { TermAction, TermMatch } from "../protocol/index.js";

export interface TermRule {
  /** Normalised (normalizeText). */
  term: string;
  action: TermAction;
  match: TermMatch;
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u;

function isWordUnit(text: string, at: number): boolean {
  if (at < 0 || at >= text.length) return false;
  const unit = text.charCodeAt(at);
  if (unit >= 0xd800 && unit <= 0xdfff) {
    // Half of a character outside the BMP (an emoji, a rare script): test the whole character.
    const start = unit >= 0xdc00 ? at - 1 : at;
    return WORD_CHAR.test(String.fromCodePoint(text.codePointAt(start) ?? unit));
  }
  if (unit < 0x80) return (unit >= 0x30 && unit <= 0x39) || (unit >= 0x61 && unit <= 0x7a) || (unit >= 0x41 && unit <= 0x5a) || unit === 0x5f;
  return WORD_CHAR.test(text[at]!);
}

export class TermMatcher {
  /** Per state: its transitions by code unit. */
  private readonly next: Map<number, number>[] = [new Map()];
  /** Per state: the longest proper suffix that is also a state. */
  private readonly fail: number[] = [0];
  /** Per state: the rules that end here, its own and its suffixes' (undefined: none). */
  private readonly out: (TermRule[] | undefined)[] = [undefined];
  readonly size: number;

  private constructor(rules: readonly TermRule[]) {
    this.size = rules.length;
    for (const rule of rules) this.insert(rule);
    this.link();
  }

  /** Compiles a term list (normalised terms; empty ones are ignored). */
  static compile(rules: readonly TermRule[]): TermMatcher {
    return new TermMatcher(rules.filter((r) => r.term.length > 0));
  }

  /** The rule a normalised text breaks (a blocking one before a holding one), or undefined. */
  check(text: string): TermRule | undefined {
    if (this.size === 0) return undefined;
    const { next, fail, out } = this;
    let state = 0;
    let held: TermRule | undefined;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      let to = next[state]!.get(unit);
      while (to === undefined && state !== 0) {
        state = fail[state]!;
        to = next[state]!.get(unit);
      }
      state = to ?? 0;
      const found = out[state];
      if (found === undefined) continue;
      for (const rule of found) {
        if (rule.match === "word" && (isWordUnit(text, i - rule.term.length) || isWordUnit(text, i + 1))) continue;
        if (rule.action === "block") return rule;
        held ??= rule;
      }
    }
    return held;
  }

  private insert(rule: TermRule): void {
    let state = 0;
    for (let i = 0; i < rule.term.length; i++) {
      const unit = rule.term.charCodeAt(i);
      let to = this.next[state]!.get(unit);
      if (to === undefined) {
        to = this.next.length;
        this.next.push(new Map());
        this.fail.push(0);
        this.out.push(undefined);
        this.next[state]!.set(unit, to);
      }
      state = to;
    }
    (this.out[state] ??= []).push(rule);
  }

  /** Failure links breadth first; each state's outputs gain its failure state's. */
  private link(): void {
    const queue: number[] = [...this.next[0]!.values()];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      for (const [unit, child] of this.next[state]!) {
        let f = this.fail[state]!;
        while (f !== 0 && !this.next[f]!.has(unit)) f = this.fail[f]!;
        const target = this.next[f]!.get(unit);
        this.fail[child] = target !== undefined && target !== child ? target : 0;
        const inherited = this.out[this.fail[child]!];
        if (inherited) this.out[child] = [...(this.out[child] ?? []), ...inherited];
        queue.push(child);
      }
    }
  }
}
