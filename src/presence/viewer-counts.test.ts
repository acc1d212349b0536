import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { MemoryPresenceStore } from "./memory-presence-store.js";
import { ViewerCounts } from "./viewer-counts.js";

function replica(store: MemoryPresenceStore, replicaId: string): ViewerCounts {
  return new ViewerCounts({ store, replicaId, announce: () => undefined, tell: () => undefined, logger: pino({ level: "silent" }) }, { heartbeatMs: 0 });
}

describe("ViewerCounts.roomShare", () => {
  it("splits a room between the replicas that have viewers there, so the shares add up to the rooms", async () => {
    const store = new MemoryPresenceStore({ announceIntervalMs: 0 });
    const [a, b] = [replica(store, "a"), replica(store, "b")];
    a.joined("shared", "s1");
    a.joined("shared", "s2");
    a.joined("only-a", "s3");
    b.joined("shared", "s4");
    // Not synced yet: every local room counts whole.
    expect(a.roomShare() + b.roomShare()).toBe(3);
    await a.tick();
    await b.tick();
    await a.tick(); // a learns that b has viewers in "shared" too
    expect([a.roomShare(), b.roomShare()]).toEqual([1.5, 0.5]);
    b.left("shared", "s4");
    await b.tick();
    await a.tick();
    expect([a.roomShare(), b.roomShare()]).toEqual([2, 0]);
  });
});
