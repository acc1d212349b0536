/** The masters of a Redis deployment and their slots, as the write-behind's sweepers split the work. */
import { parseClusterShards } from "../../redis/cluster-topology.js";
import type { RedisClients } from "../../redis/redis-clients.js";
import { SLOT_COUNT } from "./archive-keys.js";
import type { BacklogShard } from "./redis-archive-backlog.js";

/**
 * Each master with the slots it serves (the cluster's own `CLUSTER SHARDS`); a standalone Redis
 * is one shard of every slot. A master the clients do not know yet is left out until they do.
 */
export async function backlogShards(redis: Pick<RedisClients, "masters" | "clusterShards">): Promise<BacklogShard[]> {
  const masters = await redis.masters();
  const node = (m: (typeof masters)[number]) => ({ sendCommand: (args: string[]) => m.send(args) });
  if (!redis.clusterShards) return masters.map((m) => ({ id: 0, slots: [[0, SLOT_COUNT - 1]], node: node(m) }));
  const views = parseClusterShards(await redis.clusterShards());
  return views.flatMap((view) => {
    const master = masters.find((m) => view.masterAliases.includes(m.address));
    if (!master || view.slots.length === 0) return [];
    return [{ id: Math.min(...view.slots.map(([from]) => from)), slots: view.slots, node: node(master) }];
  });
}
