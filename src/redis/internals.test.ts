/**
 * The node-redis internals src/redis/ relies on (redis-clients.ts: the cluster client's slot map,
 * `nodeClient` and the internal `_slots.rediscover`), checked without a Redis server. `redis` is
 * pinned to an exact version in package.json; an upgrade that changes these fails here first.
 */
import { createCluster } from "redis";
import { describe, expect, it } from "vitest";
import { expectPinned } from "../../test/support/library-internals.js";

describe("pinned library internals of src/redis/", () => {
  it("pins node-redis to the exact installed version", () => {
    expectPinned(["redis"]);
  });

  it("node-redis: the cluster client exposes its slot map and a rediscover", () => {
    const cluster = createCluster({ rootNodes: [{ url: "redis://127.0.0.1:1" }] }) as unknown as {
      _slots: { rediscover: unknown };
      slots: unknown[];
      masters: unknown[];
      nodeClient: unknown;
    };
    expect(typeof cluster._slots.rediscover).toBe("function");
    expect(Array.isArray(cluster.slots)).toBe(true);
    expect(Array.isArray(cluster.masters)).toBe(true);
    expect(typeof cluster.nodeClient).toBe("function");
  });
});
