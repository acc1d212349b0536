/**
 * docker-compose.yml's Redis nodes announce hostnames (`cluster-announce-hostname`,
 * `cluster-preferred-endpoint-type hostname`), so the cluster's topology and its MOVED redirects
 * name hosts instead of IPs. No Docker here: this cluster announces "localhost" the same way, and
 * replicas seeded by that name must store and fan out messages on every shard.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisCluster, type RedisClusterHandle } from "../harness/redis-cluster.js";
import { startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import { connectClient, join, nextEvent, sendChat, type ChatClient } from "../support/clients.js";

let cluster: RedisClusterHandle | undefined;
let replicas: Replica[] = [];
const clients: ChatClient[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({
    // Also on ::1: "localhost" may resolve to either address.
    extraArgs: ["--cluster-announce-hostname", "localhost", "--cluster-preferred-endpoint-type", "hostname", "--bind", "127.0.0.1", "-::1"],
  });
  const seeds = cluster.nodes.map((n) => `localhost:${n.port}`).join(",");
  replicas = await startReplicas(2, { env: { REDIS_CLUSTER_NODES: seeds } });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await stopReplicas(replicas);
  await cluster?.stop();
});

describe("Redis nodes announcing hostnames, as in docker-compose.yml", () => {
  it("the cluster names its nodes by hostname, and chat works across replicas on every shard", async () => {
    const port = cluster!.nodes[0]!.port;
    const slots = await cluster!.cli(port, "CLUSTER", "SLOTS");
    expect(slots).toContain("localhost");
    const key = "hostname-check";
    const owner = await cluster!.masterFor(key);
    const slot = await cluster!.slotOf(key);
    const other = cluster!.nodes.find((n) => n.role === "master" && n.port !== owner.port)!;
    await expect(cluster!.cli(other.port, "GET", key)).rejects.toThrow(`MOVED ${slot} localhost:${owner.port}`);

    // One room per master: a room's history lives under its own hash tag, so its slot is the room's.
    const rooms = new Map<number, string>();
    for (let i = 0; rooms.size < 3 && i < 200; i++) {
      const room = `host-${i}`;
      const master = await cluster!.masterFor(room);
      if (!rooms.has(master.port)) rooms.set(master.port, room);
    }
    expect(rooms.size).toBe(3);

    const sender = await connectClient(replicas[0]!.url);
    const receiver = await connectClient(replicas[1]!.url);
    clients.push(sender, receiver);
    for (const room of rooms.values()) {
      expect(await join(sender, room)).toMatchObject({ ok: true });
      expect(await join(receiver, room)).toMatchObject({ ok: true });
      const arrival = nextEvent(receiver, "chat:message", (m) => m.room === room, 10_000);
      expect(await sendChat(sender, room, `hello ${room}`)).toMatchObject({ ok: true });
      expect(await arrival).toMatchObject({ room, text: `hello ${room}` });
    }
  });
});
