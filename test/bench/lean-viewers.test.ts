/**
 * The bench's lean viewers count exactly what real clients count (issue 22): on the shared cluster,
 * lean viewers beside SDK viewers on this server, and beside socket.io-client viewers on stock
 * Socket.IO with the sharded adapter, in one room each, the same deliveries of the same messages
 * (bench/scenarios/cross-check.ts; `npm run bench:cross-check` runs it bigger and prints it).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCrossCheck } from "../../bench/scenarios/cross-check.js";
import { startServers, type ServerKind } from "../../bench/servers/server-kinds.js";
import type { ServerProcess } from "../../bench/servers/server-process.js";

const stops: (() => Promise<void>)[] = [];
const register = (_name: string, stop: () => Promise<void>) => void stops.push(stop);
const servers = new Map<ServerKind, ServerProcess[]>();

beforeAll(async () => {
  const seeds = inject("redisCluster").seeds;
  const start = (kind: ServerKind) =>
    startServers({ kind, replicas: 2, seeds, nodeArgs: [], coalesceMs: 20, ackReplicas: "auto", batchTickMs: 25 }, register).then((s) => servers.set(kind, s));
  await Promise.all([start("ours"), start("sharded")]);
});

afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe("lean viewers against real clients, same room, same time", () => {
  const small = { viewersPerKind: 30, ratePerSec: 40, durationMs: 2_000, sampleEvery: 5 };

  it("this server (batches): as many deliveries as the SDK viewers, of the same messages", async () => {
    const urls = servers.get("ours")!.map((s) => s.url);
    const result = await runCrossCheck(urls, { ...small, batch: true }, `lean-ours-${process.pid}`, register);
    expect(result.problems).toEqual([]);
    expect(result.kinds.lean).toMatchObject({ viewers: 30, deliveries: 30 * result.acked });
    expect(result.kinds.lean!.checksum).toBe(result.kinds.sdk!.checksum);
    expect(result.sample!.checked).toBeGreaterThan(0);
  });

  it("stock Socket.IO, sharded adapter (one event per message): as many as socket.io-client viewers", async () => {
    const urls = servers.get("sharded")!.map((s) => s.url);
    const result = await runCrossCheck(urls, { ...small, batch: false }, `lean-stock-${process.pid}`, register);
    expect(result.problems).toEqual([]);
    expect(result.kinds.lean).toMatchObject({ viewers: 30, deliveries: 30 * result.acked });
    expect(result.kinds.lean!.checksum).toBe(result.kinds.plain!.checksum);
  });
});
