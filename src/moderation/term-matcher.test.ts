import { describe, expect, it } from "vitest";
import { normalizeText } from "./text-normalize.js";
import { TermMatcher, type TermRule } from "./term-matcher.js";

const rule = (term: string, action: TermRule["action"] = "block", match: TermRule["match"] = "word"): TermRule => ({ term: normalizeText(term), action, match });
const check = (m: TermMatcher, text: string) => m.check(normalizeText(text))?.term;

describe("normalizeText", () => {
  it("folds case, compatibility forms, invisible characters and spacing", () => {
    expect(normalizeText("  ＢＡＤ\u200B  Word\u2060s ")).toBe("bad words");
    expect(normalizeText("ﬁne ①")).toBe("fine 1");
    expect(normalizeText("a\u00A0\tb")).toBe("a b");
  });
});

describe("TermMatcher", () => {
  it("matches whole words only for word terms, anywhere for substring terms", () => {
    const m = TermMatcher.compile([rule("ass"), rule("spam", "block", "substring")]);
    expect(check(m, "you ass!")).toBe("ass");
    expect(check(m, "a classic pass")).toBeUndefined();
    expect(check(m, "SPAMMING here")).toBe("spam");
    expect(check(m, "nothing to see")).toBeUndefined();
  });

  it("sees through case, full-width letters and zero-width characters", () => {
    const m = TermMatcher.compile([rule("badword")]);
    expect(check(m, "BAD\u200BWORD")).toBe("badword");
    expect(check(m, "ｂａｄｗｏｒｄ")).toBe("badword");
  });

  it("matches terms with spaces however the text is spaced", () => {
    const m = TermMatcher.compile([rule("buy followers")]);
    expect(check(m, "cheap: buy    followers now")).toBe("buy followers");
  });

  it("prefers a blocking term over a holding one, wherever each is", () => {
    const m = TermMatcher.compile([rule("link", "hold"), rule("scam", "block")]);
    expect(m.check(normalizeText("a link to a scam"))).toMatchObject({ term: "scam", action: "block" });
    expect(m.check(normalizeText("a link"))).toMatchObject({ term: "link", action: "hold" });
  });

  it("finds overlapping terms and terms inside others (failure links)", () => {
    const m = TermMatcher.compile([rule("he", "block", "substring"), rule("she", "hold", "substring"), rule("hers", "block", "substring")]);
    expect(check(m, "ushers")).toBe("he");
    const suffixes = TermMatcher.compile([rule("abcd", "hold", "substring"), rule("bc", "block", "substring")]);
    expect(check(suffixes, "xabcy")).toBe("bc");
    expect(TermMatcher.compile([rule("aab", "block", "substring")]).check("aaab")?.term).toBe("aab");
  });

  it("checks words at the text's ends and next to non-Latin letters", () => {
    const m = TermMatcher.compile([rule("bad")]);
    expect(check(m, "bad")).toBe("bad");
    expect(check(m, "badé")).toBeUndefined();
    expect(check(m, "é bad")).toBe("bad");
    expect(check(m, "😀bad😀")).toBe("bad"); // an emoji is no letter
    expect(check(m, "𝒶bad")).toBeUndefined(); // NFKC makes the styled letter an "a": one word
  });

  it("an empty list or empty terms match nothing", () => {
    expect(TermMatcher.compile([]).check("anything")).toBeUndefined();
    expect(TermMatcher.compile([{ term: "", action: "block", match: "substring" }]).check("x")).toBeUndefined();
  });
});
