import { describe, expect, it } from "vitest";
import { hashSlot } from "./hash-slot.js";

describe("hashSlot", () => {
  it("computes Redis Cluster hash slots (values from the cluster spec and CLUSTER KEYSLOT)", () => {
    expect(hashSlot("123456789")).toBe(12739);
    expect(hashSlot("foo")).toBe(12182);
    expect(hashSlot("{user1000}.following")).toBe(hashSlot("user1000"));
    expect(hashSlot("foo{}{bar}")).toBe(hashSlot("foo{}{bar}")); // empty tag: the whole key
    expect(hashSlot("foo{}{bar}")).not.toBe(hashSlot("bar"));
  });
});
