import { describe, expect, it } from "vitest";
import type { BatchEntry, EntryKind } from "../protocol/index.js";
import type { RoomEvents } from "./events.js";
import { harness, message } from "./testing/harness.js";

function entry(id: string, prev: string | null, kind: EntryKind | "poll" = "chat"): BatchEntry {
  return { id, prev, kind: kind as EntryKind, text: `${kind} ${id}`, user: { id: "u1", name: "U", role: "viewer" }, ts: 5 };
}

async function joinedRoom() {
  const h = harness({ rooms: { gapGraceMs: 1000 } });
  const room = h.client.room("r");
  const events: { event: keyof RoomEvents; payload: unknown }[] = [];
  for (const event of ["messages", "notice", "entry"] as const) room.on(event, (payload) => events.push({ event, payload }));
  void room.join();
  h.socket.open();
  await h.answerJoin(["0001"]);
  events.length = 0;
  return { ...h, room, events };
}

describe("chat:batch (protocol v1.1)", () => {
  it("shows a batch's messages and notices in the room's order", async () => {
    const { socket, room, events } = await joinedRoom();
    socket.deliver("chat:batch", {
      room: "r",
      entries: [entry("0002", "0001"), entry("0003", "0002", "question"), entry("0004", "0003", "notice"), entry("0005", "0004")],
    });
    expect(events.map((e) => e.event)).toEqual(["messages", "notice", "messages"]);
    expect((events[0]!.payload as RoomEvents["messages"]).messages.map((m) => [m.id, m.kind, m.room])).toEqual([
      ["0002", "chat", "r"],
      ["0003", "question", "r"],
    ]);
    expect(room.notice).toMatchObject({ id: "0004", text: "notice 0004", room: "r" });
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003", "0005"]);
    expect(room.messages[1]).not.toHaveProperty("prev");
  });

  it("records an entry of an unknown kind and hands it over as is, without crashing", async () => {
    const { socket, room, clock, events } = await joinedRoom();
    socket.deliver("chat:batch", { room: "r", entries: [entry("0002", "0001", "poll"), entry("0003", "0002")] });
    socket.deliver("chat:batch", { room: "r", entries: [entry("0002", "0001", "poll")] }); // repeated: dropped
    await clock.advance(5000);
    expect(events.map((e) => e.event)).toEqual(["entry", "messages"]);
    expect((events[0]!.payload as RoomEvents["entry"]).entry.kind).toBe("poll");
    expect(room.stats.suspectedGaps).toBe(0); // 0003 names the poll: known
    expect(room.lastId).toBe("0003");
  });

  it("leaves our own entries out: the next entry names our send, which the ack fills", async () => {
    const { socket, room, clock, next } = await joinedRoom();
    const sent = room.send("mine");
    const req = await next("chat:send");
    // The server stored ours as 0002 and leaves it out of our batches; the ack is a bit late.
    socket.deliver("chat:batch", { room: "r", entries: [entry("0003", "0002"), entry("0004", "0003")] });
    await clock.advance(1500); // past the grace, but our send is still unacked: held
    req.ack({ ok: true, id: "0002" });
    await sent;
    await clock.advance(20_000);
    expect(room.stats).toEqual({ refills: 0, suspectedGaps: 1, realGaps: 0 });
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003", "0004"]);
    expect(socket.all("room:join")).toHaveLength(1);
  });

  it("de-duplicates across a v1 event and a batch carrying the same id", async () => {
    const { socket, room, events } = await joinedRoom();
    socket.deliver("chat:message", message("r", "0002", "0001"));
    socket.deliver("chat:batch", { room: "r", entries: [entry("0002", "0001"), entry("0003", "0002")] });
    expect(events.map((e) => (e.payload as RoomEvents["messages"]).messages.map((m) => m.id))).toEqual([["0002"], ["0003"]]);
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003"]);
  });

  it("fills a gap between batches with one refill", async () => {
    const { socket, room, clock, answerJoin } = await joinedRoom();
    socket.deliver("chat:batch", { room: "r", entries: [entry("0004", "0003"), entry("0005", "0004")] });
    await clock.advance(1000);
    expect(socket.unanswered("room:join").map((r) => r.payload)).toEqual([{ room: "r", since: "0001" }]);
    await answerJoin(["0002", "0003", "0004", "0005"]);
    await room.settled();
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003", "0004", "0005"]);
    expect(room.stats.refills).toBe(1);
  });
});
