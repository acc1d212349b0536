import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.js";

describe("Backoff", () => {
  it("doubles from the minimum to the maximum, jittered ±25%, and resets on success", () => {
    const mid = new Backoff(1_000, 30_000, () => 0.5);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => mid.fail())).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(mid.failing).toBe(true);
    mid.succeed();
    expect(mid.failing).toBe(false);
    expect(mid.fail()).toBe(1_000);
    expect(new Backoff(1_000, 30_000, () => 0).fail()).toBe(750);
    expect(new Backoff(1_000, 30_000, () => 1).fail()).toBe(1_250);
  });
});
