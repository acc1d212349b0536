/** The SDK's side of issue #21: held sends, replies, roles and the moderation team's tools, on a fake socket. */
import { describe, expect, it } from "vitest";
import { Capability, ErrorCode, RefusalReason, type HeldMessage } from "../protocol/index.js";
import type { RoomEvents } from "./events.js";
import { harness, message } from "./testing/harness.js";

async function joinedRoom() {
  const h = harness({ ackTimeoutMs: 1000, self: { id: "me", name: "Me", role: "viewer" } });
  const room = h.client.room("r");
  void room.join();
  h.socket.open();
  await h.answerJoin(["0001"], { role: "viewer", settings: { slowModeSec: 0, delaySec: 3 } });
  const outgoing: RoomEvents["outgoing"][] = [];
  room.on("outgoing", (e) => outgoing.push({ ...e, message: { ...e.message } }));
  return { ...h, room, outgoing };
}

describe("held sends", () => {
  it("asks for the held capability, shows a held message as held, then sent with the id chat:held gives", async () => {
    const { socket, room, outgoing, next, clock } = await joinedRoom();
    expect(socket.handshakes[0]!.caps).toEqual([Capability.Batch, Capability.Held]);
    expect(room.settings).toEqual({ slowModeSec: 0, delaySec: 3 });
    const sent = room.send("wait for it", "chat", { replyTo: "0001" });
    const req = await next("chat:send");
    expect(req.payload).toMatchObject({ text: "wait for it", replyTo: "0001" });
    req.ack({ ok: true, held: { id: "h1", reason: "delay", releaseAt: clock.now() + 3_000 } });
    await clock.advance(0);
    expect(outgoing.at(-1)!.message).toMatchObject({ state: "held", held: { id: "h1", reason: "delay" } });
    socket.deliver("chat:held", { room: "r", heldId: "h1", id: "0002" });
    expect(await sent).toBe("0002");
    expect(outgoing.at(-1)!.message).toMatchObject({ state: "sent", id: "0002" });
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002"]);
  });

  it("fails a denied held message with blocked, reason denied (no retry)", async () => {
    const { socket, room, next, clock } = await joinedRoom();
    const sent = room.send("spam");
    (await next("chat:send")).ack({ ok: true, held: { id: "h2", reason: "review", releaseAt: null } });
    await clock.advance(0);
    socket.deliver("chat:held", { room: "r", heldId: "h2", error: { code: ErrorCode.Blocked, message: "removed", reason: RefusalReason.Denied } });
    await expect(sent).rejects.toMatchObject({ code: ErrorCode.Blocked, reason: RefusalReason.Denied });
    expect(socket.all("chat:send")).toHaveLength(1);
  });

  it("asks again with the same clientId when the outcome does not come", async () => {
    const { socket, room, next, clock } = await joinedRoom();
    const sent = room.send("lost outcome");
    const first = await next("chat:send");
    first.ack({ ok: true, held: { id: "h3", reason: "review", releaseAt: null } });
    await clock.advance(20_000);
    const again = socket.unanswered("chat:send")[0]!;
    expect(again.payload.clientId).toBe(first.payload.clientId);
    again.ack({ ok: true, id: "0009" });
    expect(await sent).toBe("0009");
  });
});

describe("roles and the team's tools", () => {
  it("tracks our role, and hands the moderators' events and requests to room.moderation", async () => {
    const { socket, room, next } = await joinedRoom();
    const roles: string[] = [];
    room.on("role", ({ role }) => roles.push(role));
    socket.deliver("room:role", { room: "r", role: "moderator" });
    expect(room.role).toBe("moderator");
    const held: HeldMessage[] = [];
    room.moderation.on("held", ({ messages }) => held.push(...messages));
    const msg: HeldMessage = { id: "h1", room: "r", kind: "chat", text: "x", user: message("r", "1").user, ts: 1, reason: "delay", releaseAt: 5 };
    socket.deliver("mod:held", { room: "r", messages: [msg] });
    expect(held).toEqual([msg]);
    const approved = room.moderation.approve("h1");
    (await next("held:approve")).ack({ ok: true, approved: true, messageId: "0003" });
    expect(await approved).toEqual({ approved: true, messageId: "0003" });
    const changed = room.configure({ subscribersOnly: true });
    const req = await next("room:configure");
    expect(req.payload).toEqual({ room: "r", subscribersOnly: true });
    req.ack({ ok: true, settings: { slowModeSec: 0, subscribersOnly: true } });
    expect(await changed).toEqual({ slowModeSec: 0, subscribersOnly: true });
    const reported = room.report("0001", "spam");
    (await next("chat:report")).ack({ ok: true, reported: true });
    expect(await reported).toBe(true);
    expect(roles).toEqual(["moderator"]);
  });
});
