import { describe, expect, it } from "vitest";
import { topN } from "./top-n.js";

describe("topN", () => {
  it("keeps the n highest, highest first, ties in arrival order, nothing at 0", () => {
    const scores = { a: 3, b: 9, c: 0, d: 3, e: 7, f: 1, g: 9 } as Record<string, number>;
    const top = topN(Object.keys(scores), 4, (k) => scores[k]!);
    expect(top).toEqual([
      { item: "b", score: 9 },
      { item: "g", score: 9 },
      { item: "e", score: 7 },
      { item: "a", score: 3 },
    ]);
    expect(topN(Object.keys(scores), 0, (k) => scores[k]!)).toEqual([]);
    expect(topN(["c"], 3, () => 0)).toEqual([]);
  });

  it("matches a full sort on many random scores", () => {
    const items = Array.from({ length: 2_000 }, (_, i) => ({ i, s: Math.floor(Math.random() * 500) }));
    const sorted = [...items].filter((x) => x.s > 0).sort((x, y) => y.s - x.s || x.i - y.i).slice(0, 20);
    expect(topN(items, 20, (x) => x.s).map((t) => t.item)).toEqual(sorted);
  });
});
