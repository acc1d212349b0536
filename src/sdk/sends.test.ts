import { describe, expect, it } from "vitest";
import { ErrorCode } from "../protocol/index.js";
import type { ChatClientOptions } from "./chat-client.js";
import type { RoomEvents } from "./events.js";
import { flush } from "./testing/fake-clock.js";
import { harness, message } from "./testing/harness.js";

const retry = { maxAttempts: 5, deadlineMs: 30_000, maxRetryAfterMs: 10_000, backoff: { minDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 } };

async function joinedRoom(options: Partial<ChatClientOptions> = {}) {
  const h = harness({ ackTimeoutMs: 1000, self: { id: "me", name: "Me", role: "viewer" }, rooms: { gapGraceMs: 1000 }, ...options, retry: { ...retry, ...options.retry } });
  h.clock.randomValue = 0; // backoffs at their longest, so the waits below are exact
  const room = h.client.room("r");
  void room.join();
  h.socket.open();
  await h.answerJoin(["0001"]);
  const outgoing: RoomEvents["outgoing"][] = [];
  room.on("outgoing", (e) => outgoing.push({ ...e, message: { ...e.message } }));
  return { ...h, room, outgoing };
}

const unavailable = { ok: false, error: { code: ErrorCode.Unavailable, message: "store down" } } as const;

describe("sends", () => {
  it("resolve with the stored id; the message is pending at once, then sent, and in the snapshot", async () => {
    const { socket, room, outgoing, next } = await joinedRoom();
    const sent = room.send("hello", "question");
    expect(outgoing.map((e) => e.message.state)).toEqual(["pending"]);
    const req = await next("chat:send");
    expect(req.payload).toMatchObject({ room: "r", text: "hello", kind: "question" });
    req.ack({ ok: true, id: "0002" });
    expect(await sent).toBe("0002");
    expect(outgoing.at(-1)).toMatchObject({ message: { state: "sent", id: "0002" }, alreadyReceived: false });
    expect(room.messages.map((m) => [m.id, m.user.name])).toEqual([["0001", "Alice"], ["0002", "Me"]]);
    expect(room.lastId).toBe("0002");
  });

  it("retry after unavailable and after a lost ack with the same clientId, waiting with backoff", async () => {
    const { socket, room, clock, next } = await joinedRoom();
    const sent = room.send("once");
    (await next("chat:send")).ack(unavailable);
    await clock.advance(99);
    expect(socket.all("chat:send")).toHaveLength(1);
    await clock.advance(1);
    expect(socket.all("chat:send")).toHaveLength(2);
    await clock.advance(1000 + 200); // no ack (timeout), then the second backoff
    const attempts = socket.all("chat:send");
    expect(attempts).toHaveLength(3);
    attempts[2]!.ack({ ok: true, id: "0002" });
    expect(await sent).toBe("0002");
    expect(new Set(attempts.map((a) => a.payload.clientId)).size).toBe(1);
  });

  it("after a dropped connection, wait for the re-join and go again with the same clientId", async () => {
    const { socket, room, clock, answerJoin, next } = await joinedRoom();
    const sent = room.send("across a reconnect");
    const first = await next("chat:send");
    socket.drop();
    await clock.advance(5000);
    expect(socket.all("chat:send")).toHaveLength(1); // nothing goes out before the re-join
    socket.open();
    await flush();
    expect(socket.all("chat:send")).toHaveLength(1);
    // The re-join brings our message: the lost ack's send was stored.
    await answerJoin(["0002"]);
    const again = await next("chat:send");
    expect(again.payload.clientId).toBe(first.payload.clientId);
    again.ack({ ok: true, id: "0002" }); // the server's dedup: the first id
    expect(await sent).toBe("0002");
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002"]);
  });

  it("honour rate_limited's retryAfterMs, within the policy", async () => {
    const { socket, room, clock, next } = await joinedRoom();
    const sent = room.send("later");
    (await next("chat:send")).ack({ ok: false, error: { code: ErrorCode.RateLimited, message: "slow down", retryAfterMs: 700 } });
    await clock.advance(699);
    expect(socket.all("chat:send")).toHaveLength(1);
    await clock.advance(1);
    (await next("chat:send")).ack({ ok: true, id: "0002" });
    expect(await sent).toBe("0002");
  });

  it("hand a rate limit over the policy's bound to the caller, who may retry with the same clientId", async () => {
    const { socket, room, clock, outgoing, next } = await joinedRoom({ retry: { maxRetryAfterMs: 0 } });
    const sent = room.send("too fast");
    (await next("chat:send")).ack({ ok: false, error: { code: ErrorCode.RateLimited, message: "slow down", retryAfterMs: 200 } });
    await expect(sent).rejects.toMatchObject({ code: "rate_limited", retryAfterMs: 200 });
    const failed = room.unsent[0]!;
    expect(failed).toMatchObject({ state: "failed", text: "too fast" });
    await clock.advance(200);
    const again = room.retry(failed);
    const req = await next("chat:send");
    expect(req.payload.clientId).toBe(failed.clientId);
    req.ack({ ok: true, id: "0002" });
    expect(await again).toBe("0002");
    expect(outgoing.map((e) => e.message.state)).toEqual(["pending", "failed", "pending", "sent"]);
    expect(room.unsent).toEqual([]);
  });

  it("fail at once, typed, on an error no retry fixes", async () => {
    const { socket, room, clock, next } = await joinedRoom();
    const sent = room.send("muted me");
    (await next("chat:send")).ack({ ok: false, error: { code: ErrorCode.Forbidden, message: "you are muted in this room", retryAfterMs: 60_000 } });
    await expect(sent).rejects.toMatchObject({ name: "ChatError", code: "forbidden", message: "you are muted in this room" });
    await clock.advance(120_000);
    expect(socket.all("chat:send")).toHaveLength(1);
  });

  it("are bounded: maxAttempts, then the deadline", async () => {
    const { socket, room, clock } = await joinedRoom({ retry: { maxAttempts: 3 } });
    const sent = room.send("doomed");
    const caught = sent.catch((e: unknown) => e);
    for (let i = 0; i < 3; i++) {
      await flush();
      socket.unanswered("chat:send")[0]?.ack(unavailable);
      await clock.advance(1000);
    }
    expect(await caught).toMatchObject({ code: "unavailable", message: "store down" });
    expect(socket.all("chat:send")).toHaveLength(3);

    const late = room.send("never joined again");
    const lateCaught = late.catch((e: unknown) => e);
    socket.drop();
    await clock.advance(30_000);
    expect(await lateCaught).toMatchObject({ code: "unavailable", local: "disconnected" });
  });

  it("wait for the room when sent before it is joined", async () => {
    const h = harness();
    const room = h.client.room("r");
    const sent = room.send("early");
    void room.join();
    h.socket.open();
    await flush();
    expect(h.socket.all("chat:send")).toHaveLength(0);
    await h.answerJoin();
    (await h.next("chat:send")).ack({ ok: true, id: "0001" });
    expect(await sent).toBe("0001");
  });

  it("say alreadyReceived when a refill brought the message before its ack", async () => {
    const { socket, room, clock, answerJoin, outgoing, next } = await joinedRoom({ ackTimeoutMs: 10_000, rooms: { gapGraceMs: 1000, maxGapGraceMs: 3000 } });
    const got: string[] = [];
    room.on("messages", ({ messages }) => got.push(...messages.map((m) => m.id)));
    const sent = room.send("mine");
    const req = await next("chat:send");
    // Someone else's message names ours (stored as 0002) as prev; our ack is slow...
    socket.deliver("chat:message", message("r", "0003", "0002"));
    await clock.advance(2999); // ...so the gap is held while our send is unacked, up to the bound
    expect(socket.unanswered("room:join")).toHaveLength(0);
    await clock.advance(1);
    expect(socket.unanswered("room:join").map((r) => r.payload.since)).toEqual(["0001"]);
    await answerJoin(["0002", "0003"]);
    expect(got).toEqual(["0003", "0002"]);
    req.ack({ ok: true, id: "0002" });
    expect(await sent).toBe("0002");
    expect(outgoing.at(-1)).toMatchObject({ message: { state: "sent", id: "0002" }, alreadyReceived: true });
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003"]);
  });

  it("an own send awaiting its ack holds the gap its id would fill: no refill once the ack comes", async () => {
    const { socket, room, clock, next } = await joinedRoom({ ackTimeoutMs: 10_000 });
    const sent = room.send("mine");
    const req = await next("chat:send");
    socket.deliver("chat:message", message("r", "0003", "0002")); // the server stored ours as 0002
    await clock.advance(1500); // past the grace: held only because our send is unacked
    req.ack({ ok: true, id: "0002" });
    expect(await sent).toBe("0002");
    await clock.advance(10_000);
    expect(socket.all("room:join")).toHaveLength(1);
    expect(room.stats).toEqual({ refills: 0, suspectedGaps: 1, realGaps: 0 });
  });

  it("notices, deletes and mutes go with the same retries", async () => {
    const { socket, room, clock, next } = await joinedRoom({ self: { id: "s", name: "Sam", role: "streamer" } });
    const notices: (string | undefined)[] = [];
    room.on("notice", ({ notice }) => notices.push(notice?.text));
    const posted = room.sendNotice("pinned");
    (await next("notice:send")).ack({ ok: true, id: "0002" });
    expect(await posted).toBe("0002");
    expect(notices).toEqual(["pinned"]);
    expect(room.notice).toMatchObject({ id: "0002", user: { name: "Sam" } });

    const deleted = room.deleteMessage("0001");
    (await next("chat:delete")).ack(unavailable);
    await clock.advance(100);
    (await next("chat:delete")).ack({ ok: true, deleted: true });
    expect(await deleted).toBe(true);
    expect(room.messages).toEqual([]);

    const muted = room.mute("u-alice", 600);
    (await next("user:mute")).ack({ ok: true, until: 123 });
    expect(await muted).toBe(123);
  });

  it("fail when the room is left", async () => {
    const { socket, room } = await joinedRoom();
    socket.drop();
    const sent = room.send("bye");
    room.leave();
    await expect(sent).rejects.toMatchObject({ local: "closed" });
  });
});
