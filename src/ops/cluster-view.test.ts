import { describe, expect, it } from "vitest";
import { ClusterViews, defaultClusterViewOptions, summarize } from "./cluster-view.js";
import type { StoredBeat } from "./replica-registry.js";
import { sampleBeat } from "./replica-registry.suite.js";

const opts = { ...defaultClusterViewOptions, cluster: "prod", topRooms: 3 };

function beats(): StoredBeat[] {
  return [
    {
      ageMs: 500,
      beat: sampleBeat({
        id: "a",
        connections: 3,
        rooms: 2,
        roomShare: 1.5, // "hot" is shared with b, "x" is a's alone
        messagesPerSec: 6,
        deliveriesPerSec: 30,
        slowConsumers: 1,
        shortfalls: { refused: 1, degraded: 0 },
        topByLocalViewers: [{ room: "hot", viewers: 2 }, { room: "x", viewers: 1 }],
        topByMessages: [{ room: "hot", messagesPerSec: 4 }, { room: "x", messagesPerSec: 2 }],
      }),
    },
    {
      ageMs: 1_900,
      beat: sampleBeat({
        id: "b",
        startedAt: 2_000,
        connections: 5,
        rooms: 2,
        roomShare: 1.5,
        messagesPerSec: 1.25,
        deliveriesPerSec: 12.5,
        slowConsumers: 0,
        shortfalls: { refused: 0, degraded: 2 },
        topByLocalViewers: [{ room: "hot", viewers: 4 }, { room: "y", viewers: 1 }],
        topByMessages: [{ room: "hot", messagesPerSec: 1.25 }],
      }),
    },
    {
      // Missed two beats (2 s each): listed as late, left out of every total.
      ageMs: 4_100,
      beat: sampleBeat({ id: "c", startedAt: 3_000, connections: 100, roomShare: 7, topByLocalViewers: [{ room: "gone", viewers: 99 }], topByMessages: [{ room: "gone", messagesPerSec: 50 }] }),
    },
  ];
}

describe("summarize", () => {
  it("sums the replicas up, counts each room once, and ranks rooms by viewers (presence) and by messages", () => {
    const view = summarize(beats(), new Map([["hot", 6], ["x", 1], ["y", 1]]), 123, opts);
    expect(view.replicas.map((r) => [r.id, r.state, r.ageMs])).toEqual([["a", "up", 500], ["b", "up", 1_900], ["c", "late", 4_100]]);
    expect(view.replicas[0]).not.toHaveProperty("roomShare");
    expect(view.replicas[0]).not.toHaveProperty("topByMessages");
    expect(view).toMatchObject({ cluster: "prod", at: 123, windowSec: 300 });
    expect(view.totals).toEqual({
      replicasUp: 2,
      connections: 8,
      rooms: 3,
      messagesPerSec: 7.25,
      deliveriesPerSec: 42.5,
      slowConsumers: 1,
      shortfalls: { refused: 1, degraded: 2 },
    });
    expect(view.topRooms.byViewers).toEqual([{ room: "hot", viewers: 6 }, { room: "x", viewers: 1 }, { room: "y", viewers: 1 }]);
    expect(view.topRooms.byMessages).toEqual([{ room: "hot", messagesPerSec: 5.25 }, { room: "x", messagesPerSec: 2 }]);
  });

  it("ranks rooms with equal counts by name, whichever replica reported them first", () => {
    const [first, second] = beats();
    const view = summarize([second!, first!], new Map([["hot", 6], ["x", 1], ["y", 1]]), 0, opts);
    expect(view.topRooms.byViewers.map((r) => r.room)).toEqual(["hot", "x", "y"]);
    const reversed = summarize([first!, second!], new Map([["hot", 6], ["x", 1], ["y", 1]]), 0, opts);
    expect(reversed.topRooms).toEqual(view.topRooms);
  });

  it("takes a room's viewers from the beats while presence has not counted it yet", () => {
    const view = summarize(beats(), new Map(), 0, opts);
    expect(view.topRooms.byViewers[0]).toEqual({ room: "hot", viewers: 6 });
  });
});

describe("ClusterViews", () => {
  it("reads once per cacheMs whoever asks, asks presence only for the candidate rooms, and retries after a failure", async () => {
    let now = 0;
    let lists = 0;
    let fail = false;
    const asked: string[][] = [];
    const views = new ClusterViews(
      {
        registry: { list: async () => ((lists += 1), fail ? Promise.reject(new Error("redis down")) : beats()) },
        viewers: async (rooms) => (asked.push([...rooms]), new Map(rooms.map((r) => [r, 1]))),
        now: () => now,
      },
      { cacheMs: 1_000, topRooms: 3 },
    );
    const [v1, v2] = await Promise.all([views.view(), views.view()]);
    expect(v2).toBe(v1);
    now = 999;
    expect(await views.view()).toBe(v1);
    expect(lists).toBe(1);
    expect(asked).toEqual([["hot", "x", "y"]]); // not the late replica's room
    now = 1_000;
    fail = true;
    await expect(views.view()).rejects.toThrow("redis down");
    fail = false;
    await expect(views.view()).resolves.toMatchObject({ totals: { replicasUp: 2 } });
    expect(lists).toBe(3);
  });
});
