/** The shared cluster from test/global-setup.ts is what every Redis test assumes it is. */
import { describe, expect, inject, it } from "vitest";
import { attachRedisCluster } from "../harness/redis-cluster.js";
import "../support/provided-context.js";

const cluster = attachRedisCluster(inject("redisCluster"));

describe("shared Redis Cluster (test/global-setup.ts)", () => {
  it("has 3 masters and 3 replicas, one replica per master, all connected", async () => {
    const nodes = await cluster.topology();
    const masters = nodes.filter((n) => n.role === "master");
    const replicas = nodes.filter((n) => n.role === "replica");
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    expect(new Set(replicas.map((r) => r.masterId))).toEqual(new Set(masters.map((m) => m.id)));
    expect(nodes.every((n) => n.linkConnected && !n.failing)).toBe(true);
    expect(cluster.seeds.split(",").sort()).toEqual(nodes.map((n) => `${n.host}:${n.port}`).sort());
  });

  it("covers all 16384 slots exactly once, and every node says cluster_state:ok", async () => {
    const owners = new Array<number>(16_384).fill(0);
    for (const master of (await cluster.topology()).filter((n) => n.role === "master")) {
      for (const [from, to] of master.slots) for (let slot = from; slot <= to; slot++) owners[slot]! += 1;
    }
    expect(owners.every((count) => count === 1)).toBe(true);
    for (const node of cluster.nodes) {
      const info = await cluster.clusterInfo(node.port);
      expect(info.cluster_state).toBe("ok");
      expect(info.cluster_slots_assigned).toBe("16384");
      expect(info.cluster_known_nodes).toBe("6");
    }
  });

  it("masterFor(key) names the node that serves the key; the others redirect", async () => {
    const key = `harness-check-${process.pid}-${Date.now()}`;
    const owner = await cluster.masterFor(key);
    const slot = await cluster.slotOf(key);
    expect(owner.slots.some(([from, to]) => slot >= from && slot <= to)).toBe(true);
    await expect(cluster.cli(owner.port, "SET", key, "1", "EX", "60")).resolves.toMatch(/OK/);
    const other = (await cluster.topology()).find((n) => n.role === "master" && n.id !== owner.id)!;
    await expect(cluster.cli(other.port, "GET", key)).rejects.toThrow(/MOVED/);
    expect(await cluster.masterFor(slot)).toMatchObject({ id: owner.id });
  });
});
