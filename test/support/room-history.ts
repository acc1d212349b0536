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

/** The Redis key of a room's history stream. */
export function roomHistoryKey(room: string, keyPrefix = "chat"): string {
  return roomKey(keyPrefix, room, "h");
}

/** One stream entry (its id and fields) as the wire sees it. */
export function historyEntry(streamId: string, fields: Record<string, unknown>): HistoryEntry {
  const body = JSON.parse(String(fields.m)) as { t: string };
  return { id: streamIdToMessageId(streamId), kind: String(fields.k), text: body.t };
}

/** Every entry of the room's stream (`XRANGE - +`), oldest first; wire ids. */
export async function readRoomHistory(seeds: string, room: string, keyPrefix = "chat"): Promise<HistoryEntry[]> {
  const cluster = createCluster({ rootNodes: seeds.split(",").map((s) => ({ url: `redis://${s}` })), defaults: { password: TEST_REDIS_PASSWORD } });
  cluster.on("error", () => {});
  await cluster.connect();
  try {
    const entries = await cluster.xRange(roomHistoryKey(room, keyPrefix), "-", "+");
    return (entries ?? []).map((e) => historyEntry(e.id, e.message));
  } finally {
    await cluster.close();
  }
}
