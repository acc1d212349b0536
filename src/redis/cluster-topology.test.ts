import { describe, expect, it } from "vitest";
import { parseClusterShards } from "./cluster-topology.js";

describe("parseClusterShards", () => {
  const node = (role: string, port: number, health: string) => ({ id: `n${port}`, port, ip: "127.0.0.1", endpoint: "redis-1", hostname: "redis-1", role, health });

  it("reads RESP3 maps: slot ranges, the master by every name it answers to, online replicas", () => {
    const [shard] = parseClusterShards([{ slots: [0, 100, 200, 300], nodes: [node("master", 7000, "online"), node("replica", 7001, "online"), node("replica", 7002, "failed")] }]);
    expect(shard).toEqual({ slots: [[0, 100], [200, 300]], master: "redis-1:7000", masterAliases: ["redis-1:7000", "127.0.0.1:7000"], onlineReplicas: 1 });
  });

  it("reads RESP2 flat arrays the same way", () => {
    const flat = (o: Record<string, unknown>) => Object.entries(o).flat();
    const [shard] = parseClusterShards([flat({ slots: [5, 9], nodes: [flat(node("master", 7000, "online")), flat(node("replica", 7001, "loading")), flat(node("replica", 7002, "fail"))] })]);
    // A replica still loading counts: it is there and catches up.
    expect(shard).toMatchObject({ slots: [[5, 9]], master: "redis-1:7000", onlineReplicas: 1 });
  });

  it("has no master for a shard whose master failed", () => {
    expect(parseClusterShards([{ slots: [0, 1], nodes: [node("master", 7000, "failed")] }])[0]!.master).toBeUndefined();
  });
});
