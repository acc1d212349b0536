import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("allows a burst, then says how long until the next token", () => {
    let now = 1_000;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(500);
    now += 499;
    expect(bucket.take()).toBeGreaterThan(0);
    now += 1;
    expect(bucket.take()).toBe(0);
  });

  it("never holds more than the burst", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    now += 60_000;
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBeGreaterThan(0);
  });
});
