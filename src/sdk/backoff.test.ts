import { describe, expect, it } from "vitest";
import { backoffDelay, defaultBackoff } from "./backoff.js";

describe("backoffDelay", () => {
  const opts = { minDelayMs: 100, maxDelayMs: 2000, factor: 2, jitter: 0.5 };

  it("grows exponentially up to the bound, with the jitter taking off at most its share", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(2000, 100 * 2 ** attempt);
      expect(backoffDelay(attempt, opts, () => 0)).toBe(ceiling);
      expect(backoffDelay(attempt, opts, () => 0.999_999)).toBe(Math.round(ceiling * 0.5));
    }
  });

  it("spreads clients that failed together", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, opts, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it("never waits longer than maxDelayMs by default", () => {
    expect(backoffDelay(1_000, defaultBackoff, () => 0)).toBe(defaultBackoff.maxDelayMs);
  });
});
