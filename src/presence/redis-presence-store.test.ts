import { describe, expect, it } from "vitest";
import type { RedisCommands } from "../redis/lua-script.js";
import { freshKeyPrefix, useSharedClusterClient } from "../../test/support/shared-cluster-client.js";
import { presenceStoreSuite } from "./presence-store.suite.js";
import { RedisPresenceStore } from "./redis-presence-store.js";

const redis = useSharedClusterClient();
// One prefix per file (rooms are unique per test), so two store instances share a room's keys.
const keyPrefix = freshKeyPrefix();

presenceStoreSuite("redis cluster", async (options) =>
  new RedisPresenceStore(redis(), { keyPrefix, ...options }),
);

describe("RedisPresenceStore directory", () => {
  it("reads 100 rooms' totals with one Redis call, whatever shards the rooms live on", async () => {
    const calls: string[][] = [];
    const counting: RedisCommands = {
      evalSha: (sha, o) => (calls.push(o.keys), redis().evalSha(sha, o)),
      eval: (script, o) => (calls.push(o.keys), redis().eval(script, o)),
    };
    const store = new RedisPresenceStore(counting, { keyPrefix });
    const rooms = Array.from({ length: 100 }, (_, i) => `dir-${process.pid}-${i}`);
    await store.sync("r1", new Map(rooms.map((room, i) => [room, i + 1])));
    await store.totals(rooms.slice(0, 1)); // the node caches the script (a first call may EVALSHA, then EVAL)
    calls.length = 0;
    const totals = await store.totals(rooms);
    expect(calls).toEqual([[`${keyPrefix}:{viewers}`]]);
    expect(rooms.map((r) => totals.get(r))).toEqual(rooms.map((_, i) => i + 1));
  });
});
