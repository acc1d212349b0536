import { beforeEach, describe, expect, it } from "vitest";
import type { RedisCommands } from "../redis/lua-script.js";
import { freshKeyPrefix, useSharedClusterClient } from "../../test/support/shared-cluster-client.js";
import { RedisReplicaRegistry } from "./redis-replica-registry.js";
import { replicaRegistrySuite, sampleBeat } from "./replica-registry.suite.js";

const redis = useSharedClusterClient();
const keyPrefix = freshKeyPrefix();
let n = 0;
// One cluster name per test: registries made for one test share it, and no test sees another's beats.
let cluster = "";
const fresh = () => (cluster = `c${++n}`);
beforeEach(fresh);

replicaRegistrySuite("redis cluster", async () => new RedisReplicaRegistry(redis(), { keyPrefix, cluster }));

describe("RedisReplicaRegistry", () => {
  it("reads the whole cluster with one Redis call on one slot, and keeps clusters apart", async () => {
    const calls: string[][] = [];
    const counting: RedisCommands = {
      evalSha: (sha, o) => (calls.push(o.keys), redis().evalSha(sha, o)),
      eval: (script, o) => (calls.push(o.keys), redis().eval(script, o)),
    };
    const prod = new RedisReplicaRegistry(counting, { keyPrefix, cluster: "prod" });
    const staging = new RedisReplicaRegistry(redis(), { keyPrefix, cluster: "staging" });
    for (let i = 0; i < 20; i++) await prod.beat(sampleBeat({ id: `r${i}`, startedAt: i }), 10_000);
    await staging.beat(sampleBeat({ id: "s0" }), 10_000);
    await prod.list(); // the node caches the script (a first call may EVALSHA, then EVAL)
    calls.length = 0;
    expect((await prod.list()).map((s) => s.beat.id)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
    expect(calls).toEqual([[`${keyPrefix}:{ops:prod}:replicas`, `${keyPrefix}:{ops:prod}:replicas:expiry`]]);
    expect((await staging.list()).map((s) => s.beat.id)).toEqual(["s0"]);
  });

  it("leaves out a value it cannot read instead of failing the view", async () => {
    const registry = new RedisReplicaRegistry(redis(), { keyPrefix, cluster });
    await registry.beat(sampleBeat({ id: "good" }), 10_000);
    const hash = `${keyPrefix}:{ops:${cluster}}:replicas`;
    await redis().eval("redis.call('HSET', KEYS[1], 'bad', '1:not json'); redis.call('ZADD', KEYS[2], '+inf', 'bad'); return 1", {
      keys: [hash, `${hash}:expiry`],
      arguments: [],
    });
    expect((await registry.list()).map((s) => s.beat.id)).toEqual(["good"]);
  });
});
