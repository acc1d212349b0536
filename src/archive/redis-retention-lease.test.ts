import { describe, expect, it } from "vitest";
import { freshKeyPrefix, useSharedClusterClient } from "../../test/support/shared-cluster-client.js";
import { redisRetentionLease, retentionLeaseKey } from "./retention-lease.js";

const redis = useSharedClusterClient();
const prefix = freshKeyPrefix();

describe("redis retention lease", () => {
  it("goes to one replica until it expires", async () => {
    const key = `${prefix}:${retentionLeaseKey("c1")}`;
    const a = redisRetentionLease(redis(), { key, owner: "a" });
    const b = redisRetentionLease(redis(), { key, owner: "b" });
    expect(await a.take(300)).toBe(true);
    expect(await b.take(300)).toBe(false);
    expect(await a.take(300)).toBe(false); // no renewal: the next run waits for the expiry too
    await new Promise((r) => setTimeout(r, 400));
    expect(await b.take(300)).toBe(true);
    // Another cluster name is another lease.
    expect(await redisRetentionLease(redis(), { key: `${prefix}:${retentionLeaseKey("c2")}`, owner: "a" }).take(300)).toBe(true);
  });
});
