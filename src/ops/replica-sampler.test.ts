import { describe, expect, it } from "vitest";
import { ReplicaSampler, type CounterTotals, type ReplicaIdentity } from "./replica-sampler.js";
import { RoomRates } from "./room-rates.js";

const identity: ReplicaIdentity = { id: "r1", address: "h:1", startedAt: 0, version: "v", beatMs: 2_000 };

function setup(windowMs = 10_000, topRooms = 2) {
  let now = 0;
  const counters: CounterTotals = { deliveries: 0, slowConsumers: 0, refused: 0, degraded: 0 };
  const rooms = new Map<string, Set<string>>();
  const rates = new RoomRates();
  const sampler = new ReplicaSampler(
    {
      rates,
      now: () => now,
      sources: {
        connections: () => 5,
        rooms: () => rooms,
        roomShare: () => 1.5,
        counters: async () => ({ ...counters }),
        lag: () => ({ p99: 3, max: 9 }),
      },
    },
    { windowMs, topRooms },
  );
  const at = (ms: number) => (now = ms);
  return { sampler, counters, rooms, rates, at };
}

describe("ReplicaSampler", () => {
  it("reports rates over the time since the previous beat, and each room's messages per second", async () => {
    const { sampler, counters, rooms, rates, at } = setup();
    rooms.set("big", new Set(["s1", "s2", "s3"])).set("small", new Set(["s4"])).set("mid", new Set(["s5", "s6"]));
    rates.add("big", 6);
    rates.add("small", 2);
    rates.add("big", 2);
    rates.add("quiet", 0);
    counters.deliveries = 40;
    at(2_000);
    expect(await sampler.sample(identity)).toEqual({
      ...identity,
      connections: 5,
      rooms: 3,
      roomShare: 1.5,
      messagesPerSec: 5,
      deliveriesPerSec: 20,
      slowConsumers: 0,
      shortfalls: { refused: 0, degraded: 0 },
      eventLoopLagMs: { p99: 3, max: 9 },
      topByLocalViewers: [{ room: "big", viewers: 3 }, { room: "mid", viewers: 2 }],
      topByMessages: [{ room: "big", messagesPerSec: 4 }, { room: "small", messagesPerSec: 1 }],
    });
    // The next beat counts only what came after: the rates start afresh.
    counters.deliveries = 44;
    at(6_000);
    expect(await sampler.sample(identity)).toMatchObject({ messagesPerSec: 0, deliveriesPerSec: 1, topByMessages: [] });
  });

  it("counts slow consumers and shortfalls over the window, not since the start", async () => {
    const { sampler, counters, at } = setup(10_000);
    counters.slowConsumers = 2;
    counters.refused = 1;
    at(2_000);
    expect(await sampler.sample(identity)).toMatchObject({ slowConsumers: 2, shortfalls: { refused: 1, degraded: 0 } });
    counters.slowConsumers = 3;
    counters.degraded = 4;
    at(4_000);
    expect(await sampler.sample(identity)).toMatchObject({ slowConsumers: 3, shortfalls: { refused: 1, degraded: 4 } });
    // 11 s: the window (10 s) starts after the first beat: what happened before it no longer counts.
    for (const t of [6_000, 8_000, 10_000]) {
      at(t);
      await sampler.sample(identity);
    }
    at(13_000);
    expect(await sampler.sample(identity)).toMatchObject({ slowConsumers: 1, shortfalls: { refused: 0, degraded: 4 } });
    at(15_000);
    expect(await sampler.sample(identity)).toMatchObject({ slowConsumers: 0, shortfalls: { refused: 0, degraded: 0 } });
  });
});
