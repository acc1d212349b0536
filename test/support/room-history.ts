/** Reads a room's whole stored history straight from Redis, as the fault tests' ground truth. */
import { createCluster } from "redis";
import { TEST_REDIS_PASSWORD } from "../harness/redis-cli.js";
import { roomKey } from "../../src/store/redis/room-channel.js";
import { streamIdToMessageId } from "../../src/store/message-id.js";

export interface HistoryEntry {
  id: string;
  kind: string;
  text: string;
}

/** Every entry of the room's stream (`XRANGE - +`), oldest first; wire ids. */
export async function readRoomHistory(seeds: string, room: string, keyPrefix = "chat"): Promise<HistoryEntry[]> {
  const cluster = createCluster({ rootNodes: seeds.split(",").map((s) => ({ url: `redis://${s}` })), defaults: { password: TEST_REDIS_PASSWORD } });
  cluster.on("error", () => {});
  await cluster.connect();
  try {
    const entries = await cluster.xRange(roomKey(keyPrefix, room, "h"), "-", "+");
    return (entries ?? []).map((e) => {
      const body = JSON.parse(String(e.message.m)) as { t: string };
      return { id: streamIdToMessageId(e.id), kind: String(e.message.k), text: body.t };
    });
  } finally {
    await cluster.close();
  }
}
