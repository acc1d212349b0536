import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Heartbeat } from "./heartbeat.js";
import { MemoryReplicaRegistry } from "./memory-replica-registry.js";
import type { ReplicaBeat } from "./replica-registry.js";
import { sampleBeat } from "./replica-registry.suite.js";

const logger = pino({ level: "silent" });

describe("Heartbeat", () => {
  it("beats with a TTL of ttlBeats beats, and leaves the registry on stop", async () => {
    const registry = new MemoryReplicaRegistry();
    const ttls: number[] = [];
    const spy = Object.assign(Object.create(registry) as MemoryReplicaRegistry, {
      beat: (b: ReplicaBeat, ttl: number) => (ttls.push(ttl), registry.beat(b, ttl)),
    });
    const heartbeat = new Heartbeat({ registry: spy, sample: async () => sampleBeat({ id: "me" }), replicaId: "me", logger }, { beatMs: 500, ttlBeats: 3 });
    await heartbeat.beat();
    expect(ttls).toEqual([1_500]);
    expect((await registry.list()).map((s) => s.beat.id)).toEqual(["me"]);
    await heartbeat.stop();
    expect(await registry.list()).toEqual([]);
  });

  it("sends one beat at a time, and a failing registry or sample never rejects", async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const slow = new MemoryReplicaRegistry();
    const heartbeat = new Heartbeat(
      {
        registry: Object.assign(Object.create(slow) as MemoryReplicaRegistry, {
          beat: () => ((calls += 1), new Promise<void>((r) => (release = r))),
        }),
        sample: async () => sampleBeat(),
        replicaId: "r1",
        logger,
      },
      { beatMs: 1_000 },
    );
    const first = heartbeat.beat();
    const second = heartbeat.beat();
    expect(second).toBe(first);
    await new Promise((r) => setImmediate(r));
    release();
    await first;
    expect(calls).toBe(1);

    const broken = new Heartbeat({ registry: slow, sample: () => Promise.reject(new Error("no metrics")), replicaId: "r2", logger });
    await expect(broken.beat()).resolves.toBeUndefined();
    const down = Object.assign(Object.create(slow) as MemoryReplicaRegistry, { beat: () => Promise.reject(new Error("redis down")), leave: () => Promise.reject(new Error("redis down")) });
    const cut = new Heartbeat({ registry: down, sample: async () => sampleBeat(), replicaId: "r3", logger });
    await expect(cut.beat()).resolves.toBeUndefined();
    await expect(cut.stop()).resolves.toBeUndefined();
  });
});
