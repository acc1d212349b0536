/** The one test suite for every ReplicaRegistry (in-memory and Redis). */
import { afterEach, describe, expect, it } from "vitest";
import type { ReplicaBeat, ReplicaRegistry } from "./replica-registry.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A beat with every field set; `over` changes some. */
export function sampleBeat(over: Partial<ReplicaBeat> = {}): ReplicaBeat {
  return {
    id: "r1",
    address: "127.0.0.1:3000",
    startedAt: 1_000,
    version: "0.1.0 (node v20.0.0)",
    beatMs: 2_000,
    connections: 3,
    rooms: 2,
    roomShare: 1.5,
    messagesPerSec: 4.5,
    deliveriesPerSec: 9,
    slowConsumers: 1,
    shortfalls: { refused: 2, degraded: 0 },
    eventLoopLagMs: { p99: 12.5, max: 40 },
    topByLocalViewers: [{ room: "a", viewers: 2 }, { room: "b", viewers: 1 }],
    topByMessages: [{ room: "a", messagesPerSec: 4.5 }],
    ...over,
  };
}

/** `make` returns a registry over the same storage each call (two replicas' views of one cluster). */
export function replicaRegistrySuite(name: string, make: () => Promise<ReplicaRegistry>): void {
  describe(`ReplicaRegistry: ${name}`, () => {
    const open: ReplicaRegistry[] = [];
    const registry = async () => {
      const r = await make();
      open.push(r);
      return r;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((r) => r.close()));
    });

    it("lists every replica's latest beat, as written, oldest replica first, with its age", async () => {
      const [a, b] = [await registry(), await registry()];
      await b.beat(sampleBeat({ id: "young", startedAt: 2_000 }), 5_000);
      await a.beat(sampleBeat({ id: "old", startedAt: 1_000, connections: 1 }), 5_000);
      await a.beat(sampleBeat({ id: "old", startedAt: 1_000, connections: 7 }), 5_000);
      const listed = await b.list();
      expect(listed.map((s) => s.beat)).toEqual([sampleBeat({ id: "old", startedAt: 1_000, connections: 7 }), sampleBeat({ id: "young", startedAt: 2_000 })]);
      for (const s of listed) expect(s.ageMs).toBeGreaterThanOrEqual(0);
      for (const s of listed) expect(s.ageMs).toBeLessThan(1_000);
    });

    it("ages a beat nobody refreshes, then drops it when its TTL runs out; a refresh keeps it", async () => {
      const r = await registry();
      await r.beat(sampleBeat({ id: "stopped" }), 400);
      await r.beat(sampleBeat({ id: "alive", startedAt: 2_000 }), 400);
      await sleep(200);
      await r.beat(sampleBeat({ id: "alive", startedAt: 2_000 }), 400);
      const aged = await r.list();
      expect(aged.map((s) => s.beat.id)).toEqual(["stopped", "alive"]);
      expect(aged[0]!.ageMs).toBeGreaterThanOrEqual(150);
      expect(aged[1]!.ageMs).toBeLessThan(150);
      await sleep(250);
      expect((await r.list()).map((s) => s.beat.id)).toEqual(["alive"]);
    });

    it("removes a replica that leaves at once, and only that one", async () => {
      const r = await registry();
      await r.beat(sampleBeat({ id: "leaving" }), 60_000);
      await r.beat(sampleBeat({ id: "staying", startedAt: 2_000 }), 60_000);
      await r.leave("leaving");
      await r.leave("never-there");
      expect((await r.list()).map((s) => s.beat.id)).toEqual(["staying"]);
      await r.leave("staying");
      expect(await r.list()).toEqual([]);
    });
  });
}
