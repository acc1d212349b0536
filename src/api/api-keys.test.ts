import { timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ApiKeys } from "./api-keys.js";

const KEYS = ["site-backend-key-0001", "rotated-key-000000000002", "third-key-00000000000003"];

describe("ApiKeys", () => {
  it("accepts each configured key as a Bearer token and nothing else", () => {
    const keys = new ApiKeys(KEYS);
    expect(keys.check(`Bearer ${KEYS[0]}`)).toEqual({ keyId: "key-1" });
    expect(keys.check(`bearer   ${KEYS[2]}`)).toEqual({ keyId: "key-3" });
    for (const wrong of [undefined, "", KEYS[0], `Basic ${KEYS[0]}`, `Bearer ${KEYS[0]}x`, `Bearer ${KEYS[0]!.slice(0, -1)}`, "Bearer ", `Bearer ${KEYS[0]} ${KEYS[1]}`]) {
      expect(keys.check(wrong), String(wrong)).toBeNull();
    }
    expect(new ApiKeys([]).enabled).toBe(false);
    expect(new ApiKeys([]).check(`Bearer ${KEYS[0]}`)).toBeNull();
  });

  it("compares fixed-length digests against every key, whichever matches and however much of a key is right", () => {
    const calls: number[][] = [];
    const keys = new ApiKeys(KEYS, (a, b) => {
      calls.push([a.length, b.length]);
      return timingSafeEqual(a, b);
    });
    const attempts = [`Bearer ${KEYS[0]}`, `Bearer ${KEYS[2]}`, "Bearer s", `Bearer ${KEYS[0]!.slice(0, -1)}X`, `Bearer ${"x".repeat(5_000)}`, undefined];
    for (const header of attempts) {
      calls.length = 0;
      keys.check(header);
      // No early exit on a match or a mismatch, and never a comparison of the keys themselves (whose length would leak).
      expect(calls, String(header).slice(0, 40)).toEqual(KEYS.map(() => [32, 32]));
    }
  });
});
