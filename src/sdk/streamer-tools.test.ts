/** The SDK's side of the streamer's tools: cleared chats, room settings, bans, and the moderation requests. */
import { describe, expect, it } from "vitest";
import { ErrorCode, type BatchEntry, type User } from "../protocol/index.js";
import type { RoomEvents } from "./events.js";
import { harness, message } from "./testing/harness.js";

const streamer: User = { id: "s", name: "Sam", role: "streamer" };

async function joinedRoom(settings = { slowModeSec: 0 }) {
  const h = harness({ rooms: { gapGraceMs: 1000 } });
  const room = h.client.room("r");
  const events: { event: keyof RoomEvents; payload: unknown }[] = [];
  for (const event of ["messages", "cleared", "settings", "banned", "state"] as const) room.on(event, (payload) => events.push({ event, payload }));
  void room.join();
  h.socket.open();
  await h.answerJoin(["0001", "0002"], { settings });
  return { ...h, room, events };
}

const clearEntry = (id: string, prev: string): BatchEntry => ({ id, prev, kind: "clear", text: "", user: streamer, ts: 9 });

describe("cleared chats", () => {
  it("drops what was shown before a chat:cleared, and the next message naming the marker is no gap", async () => {
    const { socket, room, clock, events } = await joinedRoom();
    events.length = 0;
    socket.deliver("chat:cleared", { room: "r", id: "0003", prev: "0002", user: streamer, ts: 9 });
    expect(events.map((e) => e.event)).toEqual(["cleared", "messages"]);
    expect(events[0]!.payload).toEqual({ id: "0003", by: streamer, system: false });
    expect(events[1]!.payload).toEqual({ messages: [], reset: true });
    expect(room.messages).toEqual([]);
    socket.deliver("chat:message", message("r", "0004", "0003"));
    await clock.advance(5_000);
    expect(room.messages.map((m) => m.id)).toEqual(["0004"]);
    expect(room.stats.suspectedGaps).toBe(0);
    expect(room.lastId).toBe("0004");
  });

  it("takes a clear entry in a batch, in the batch's order", async () => {
    const { socket, room, events } = await joinedRoom();
    events.length = 0;
    const chat = (id: string, prev: string): BatchEntry => ({ id, prev, kind: "chat", text: id, user: streamer, ts: 1 });
    socket.deliver("chat:batch", { room: "r", entries: [chat("0003", "0002"), { ...clearEntry("0004", "0003"), system: true }, chat("0005", "0004")] });
    expect(events.map((e) => e.event)).toEqual(["messages", "cleared", "messages", "messages"]);
    expect(events[1]!.payload).toMatchObject({ id: "0004", system: true });
    expect(room.messages.map((m) => m.id)).toEqual(["0005"]);
  });

  it("clears at once for the streamer who asked (the server does not echo it), and sends chat:clear", async () => {
    const { room, next, socket, clock } = await joinedRoom();
    const done = room.clear();
    const req = await next("chat:clear");
    expect(req.payload).toEqual({ room: "r" });
    req.ack({ ok: true, id: "0003" });
    expect(await done).toBe("0003");
    expect(room.messages).toEqual([]);
    socket.deliver("chat:message", message("r", "0004", "0003"));
    await clock.advance(5_000);
    expect(room.stats.suspectedGaps).toBe(0);
    expect(socket.all("room:join")).toHaveLength(1);
  });
});

describe("room settings", () => {
  it("takes them from the join's answer and from room:settings, and configures them", async () => {
    const { socket, room, events, next } = await joinedRoom({ slowModeSec: 10 });
    expect(room.settings).toEqual({ slowModeSec: 10 });
    expect(events.filter((e) => e.event === "settings").map((e) => e.payload)).toEqual([{ settings: { slowModeSec: 10 } }]);
    events.length = 0;
    socket.deliver("room:settings", { room: "r", slowModeSec: 30 });
    socket.deliver("room:settings", { room: "r", slowModeSec: 30 }); // unchanged: no event
    expect(events.map((e) => e.payload)).toEqual([{ settings: { slowModeSec: 30 } }]);
    const done = room.configure({ slowModeSec: 0 });
    const req = await next("room:configure");
    expect(req.payload).toEqual({ room: "r", slowModeSec: 0 });
    req.ack({ ok: true, settings: { slowModeSec: 0 } });
    expect(await done).toEqual({ slowModeSec: 0 });
    expect(room.settings).toEqual({ slowModeSec: 0 });
  });
});

describe("bans", () => {
  it("fails the room with forbidden when we are banned, after a banned event", async () => {
    const { socket, room, events, clock } = await joinedRoom();
    events.length = 0;
    socket.deliver("room:banned", { room: "r", until: clock.now() + 60_000 });
    expect(events.map((e) => e.event)).toEqual(["banned", "state"]);
    expect(room.state).toBe("failed");
    expect(room.error).toMatchObject({ code: ErrorCode.Forbidden, retryAfterMs: 60_000 });
    await expect(room.send("still here?")).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it("sends user:ban and user:unban for the streamer", async () => {
    const { room, next } = await joinedRoom();
    const ban = room.ban("troll");
    const banReq = await next("user:ban");
    expect(banReq.payload).toEqual({ room: "r", userId: "troll" });
    banReq.ack({ ok: true, until: null });
    expect(await ban).toBeNull();
    const timed = room.ban("troll", 600);
    const timedReq = await next("user:ban");
    expect(timedReq.payload).toEqual({ room: "r", userId: "troll", durationSec: 600 });
    timedReq.ack({ ok: true, until: 123 });
    expect(await timed).toBe(123);
    const unban = room.unban("troll");
    const unbanReq = await next("user:unban");
    expect(unbanReq.payload).toEqual({ room: "r", userId: "troll" });
    unbanReq.ack({ ok: true, lifted: true });
    expect(await unban).toBe(true);
  });
});
