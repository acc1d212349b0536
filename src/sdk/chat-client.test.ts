import { describe, expect, it } from "vitest";
import { ErrorCode } from "../protocol/index.js";
import { ChatError } from "./chat-error.js";
import type { ConnectionState, RoomEvents } from "./events.js";
import { MemoryStorage } from "./storage.js";
import { flush } from "./testing/fake-clock.js";
import { harness, message, notice } from "./testing/harness.js";

/** Records a room's events by name. */
function recorder<E extends keyof RoomEvents>(on: (e: E, fn: (p: RoomEvents[E]) => void) => void, ...events: E[]) {
  const seen: { event: E; payload: RoomEvents[E] }[] = [];
  for (const event of events) on(event, (payload) => seen.push({ event, payload }));
  return seen;
}

describe("ChatClient: connection", () => {
  it("always names the batch and held capabilities; an anonymous client sends its name and a session secret it keeps", () => {
    const storage = new MemoryStorage();
    const a = harness({ name: "Ada", storage });
    const auth = a.socket.handshakes[0]!;
    expect(auth).toMatchObject({ caps: ["batch", "held"], name: "Ada" });
    expect(auth.session).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(auth.token).toBeUndefined();
    // The next client with the same storage (a reload) is the same anonymous user.
    const b = harness({ name: "Ada", storage });
    expect(b.socket.handshakes[0]!.session).toBe(auth.session);
    const c = harness({ token: "t.o.k" });
    expect(c.socket.handshakes[0]).toEqual({ caps: ["batch", "held"], token: "t.o.k" });
  });

  it("reports connection states as typed events", () => {
    const { client, socket } = harness();
    const states: ConnectionState[] = [client.state];
    client.on("state", ({ state }) => states.push(state));
    socket.open();
    socket.drop();
    socket.open();
    socket.drop("io server disconnect"); // socket.io-client does not come back by itself
    client.connect();
    socket.refuse("unauthorized"); // a token that expired meanwhile
    expect(states).toEqual(["connecting", "connected", "reconnecting", "connected", "offline", "connecting", "refused"]);
    expect(client.refusal).toBe("unauthorized");
  });

  it("is offline while the network is, whatever the socket says", () => {
    let watcher: (online: boolean) => void = () => {};
    let online = true;
    const { client, socket } = harness({ network: { online: () => online, watch: (fn) => ((watcher = fn), () => {}) } });
    socket.open();
    online = false;
    watcher(false);
    expect(client.state).toBe("offline");
    online = true;
    watcher(true);
    expect(client.state).toBe("connected");
    socket.drop("io server disconnect"); // nothing reconnects now: the network coming back does not change that
    watcher(false);
    watcher(true);
    expect(client.state).toBe("offline");
  });

  it("rejects a room id the protocol does not allow", () => {
    const { client } = harness();
    expect(() => client.room("no spaces")).toThrow(ChatError);
  });
});

describe("ChatClient: joins and recovery", () => {
  it("joins once connected and re-joins every open room with since after each reconnect", async () => {
    const { client, socket, answerJoin } = harness();
    const [a, b] = [client.room("a"), client.room("b")];
    const joinedA = recorder((e, fn) => a.on(e, fn), "joined");
    void a.join();
    void b.join();
    expect(socket.requests).toHaveLength(0); // not connected yet
    socket.open();
    expect(socket.unanswered("room:join").map((r) => r.payload)).toEqual([{ room: "a" }, { room: "b" }]);
    await answerJoin(["0001", "0002"]);
    await answerJoin(["0007"]);
    await Promise.all([a.ready(), b.ready()]);

    socket.drop();
    expect([a.state, b.state]).toEqual(["joining", "joining"]);
    socket.open();
    expect(socket.unanswered("room:join").map((r) => r.payload)).toEqual([
      { room: "a", since: "0002" },
      { room: "b", since: "0007" },
    ]);
    await answerJoin(["0003"]);
    expect(a.state).toBe("joined");
    expect(a.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003"]);
    expect(joinedA.map((j) => j.payload)).toEqual([
      { recovered: false, startOver: false, refill: false, viewers: 1 },
      { recovered: true, startOver: false, refill: false, viewers: 1 },
    ]);
  });

  it("says start over when a re-join is not recovered after messages were shown", async () => {
    const { client, socket, answerJoin } = harness();
    const room = client.room("r");
    const events = recorder((e, fn) => room.on(e, fn), "joined", "messages");
    void room.join();
    socket.open();
    await answerJoin(["0001", "0002"]);
    socket.drop();
    socket.open();
    // Our since is older than the room keeps: the server sends its latest history instead.
    await answerJoin(["0100", "0101"], { recovered: false });
    expect(events.map((e) => e.payload)).toEqual([
      { messages: [message("r", "0001"), message("r", "0002")], reset: false },
      { recovered: false, startOver: false, refill: false, viewers: 1 },
      { messages: [message("r", "0100"), message("r", "0101")], reset: true },
      { recovered: false, startOver: true, refill: false, viewers: 1 },
    ]);
    expect(room.lastId).toBe("0101");
  });

  it("shows a live message that arrives before the first join's answer once, and does not call it a start over", async () => {
    const { client, socket, answerJoin } = harness();
    const room = client.room("r");
    const events = recorder((e, fn) => room.on(e, fn), "joined", "messages");
    void room.join();
    socket.open();
    await flush();
    socket.deliver("chat:message", message("r", "0003", "0002")); // the server joined us, then read history
    await answerJoin(["0001", "0002"], { recovered: false });
    expect(events.map((e) => e.payload)).toEqual([
      { messages: [message("r", "0003")], reset: false },
      { messages: [message("r", "0001"), message("r", "0002")], reset: false },
      { recovered: false, startOver: false, refill: false, viewers: 1 },
    ]);
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003"]);
    expect(room.stats.suspectedGaps).toBe(1);
    await room.settled(); // 0002 came with the answer: no gap left
  });

  it("retries a join after unavailable and a lost ack, with growing backoff", async () => {
    const { client, socket, clock, answerJoin } = harness({
      ackTimeoutMs: 1000,
      joinBackoff: { minDelayMs: 100, maxDelayMs: 10_000, factor: 2, jitter: 0.5 },
    });
    clock.randomValue = 0; // the longest delays
    const room = client.room("r");
    void room.join();
    socket.open();
    socket.unanswered("room:join")[0]!.ack({ ok: false, error: { code: ErrorCode.Unavailable, message: "down" } });
    await clock.advance(99);
    expect(socket.all("room:join")).toHaveLength(1);
    await clock.advance(1);
    expect(socket.all("room:join")).toHaveLength(2);
    await clock.advance(1000); // no ack: timed out
    await clock.advance(199);
    expect(socket.all("room:join")).toHaveLength(2);
    await clock.advance(1);
    expect(socket.all("room:join")).toHaveLength(3);
    socket.all("room:join")[1]!.ack({ ok: true, room: "r", viewers: 1, recovered: false, messages: [], notice: null });
    await flush();
    expect(room.state).toBe("joining"); // a late answer to a timed-out join counts for nothing
    await answerJoin([], {}, "newest");
    await room.ready();
    expect(room.state).toBe("joined");
  });

  it("waits retryAfterMs before re-joining after rate_limited", async () => {
    const { client, socket, clock } = harness();
    const room = client.room("r");
    void room.join();
    socket.open();
    socket.unanswered("room:join")[0]!.ack({ ok: false, error: { code: ErrorCode.RateLimited, message: "slow", retryAfterMs: 1500 } });
    await clock.advance(1499);
    expect(socket.all("room:join")).toHaveLength(1);
    await clock.advance(1);
    expect(socket.all("room:join")).toHaveLength(2);
  });

  it("fails a room with a typed error no retry fixes", async () => {
    const { client, socket, clock } = harness();
    const room = client.room("r");
    const states = recorder((e, fn) => room.on(e, fn), "state");
    const ready = room.join();
    socket.open();
    socket.unanswered("room:join")[0]!.ack({ ok: false, error: { code: ErrorCode.BadRequest, message: "too many rooms" } });
    await expect(ready).rejects.toMatchObject({ name: "ChatError", code: "bad_request", message: "too many rooms" });
    await clock.advance(60_000);
    expect(socket.all("room:join")).toHaveLength(1);
    expect(states.at(-1)!.payload).toMatchObject({ state: "failed", error: { code: "bad_request" } });
    expect(room.error).toBeInstanceOf(ChatError);
  });

  it("a new client joins with the last ids the storage kept, and shows the kept messages at once", async () => {
    const storage = new MemoryStorage();
    const first = harness({ storage });
    const room = first.client.room("r");
    void room.join();
    first.socket.open();
    await first.answerJoin(["0001", "0002"]);
    first.socket.deliver("chat:message", message("r", "0003", "0002"));
    first.client.close(); // persists

    const second = harness({ storage });
    const again = second.client.room("r");
    expect(again.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003"]);
    void again.join();
    second.socket.open();
    expect(second.socket.unanswered("room:join")[0]!.payload).toEqual({ room: "r", since: "0003" });
  });

  it("leaves a room: room:leave goes out, nothing more is shown, and with forget the storage drops it", async () => {
    const { client, socket, storage, answerJoin } = harness();
    const room = client.room("r");
    void room.join();
    socket.open();
    await answerJoin(["0001"]);
    room.persist();
    expect(storage.loadRoom("r")?.lastId).toBe("0001");
    room.leave({ forget: true });
    expect(socket.all("room:leave").map((r) => r.payload)).toEqual([{ room: "r" }]);
    expect(storage.loadRoom("r")).toBeUndefined();
    expect(client.room("r")).not.toBe(room); // a new subscription
    await expect(room.ready()).rejects.toMatchObject({ local: "closed" });
  });
});

describe("ChatClient: live delivery, gaps and refills", () => {
  async function joinedRoom(ids = ["0001"], options = {}) {
    const h = harness({ rooms: { gapGraceMs: 1000, ...options } });
    const room = h.client.room("r");
    void room.join();
    h.socket.open();
    await h.answerJoin(ids);
    return { ...h, room };
  }

  it("emits live messages sorted by id whatever their arrival order, once each", async () => {
    const { socket, room, clock } = await joinedRoom();
    const got: string[][] = [];
    room.on("messages", ({ messages }) => got.push(messages.map((m) => m.id)));
    socket.deliver("chat:message", message("r", "0003", "0002"));
    socket.deliver("chat:message", message("r", "0002", "0001"));
    socket.deliver("chat:message", message("r", "0002", "0001"));
    await clock.advance(5000);
    expect(got).toEqual([["0003"], ["0002"]]);
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003"]);
    expect(room.stats.refills).toBe(0);
    expect(socket.all("room:join")).toHaveLength(1);
  });

  it("fills a real gap with one refill, de-duplicating what the refill repeats", async () => {
    const { socket, room, clock, answerJoin, client } = await joinedRoom(["0001"]);
    const got: string[] = [];
    room.on("messages", ({ messages }) => got.push(...messages.map((m) => m.id)));
    socket.deliver("chat:message", message("r", "0004", "0003"));
    socket.deliver("chat:message", message("r", "0005", "0004"));
    await clock.advance(1000);
    expect(socket.unanswered("room:join").map((r) => r.payload)).toEqual([{ room: "r", since: "0001" }]);
    const refilled = new Promise((resolve) => room.once("joined", resolve));
    await answerJoin(["0002", "0003", "0004", "0005"]);
    expect(await refilled).toEqual({ recovered: true, startOver: false, refill: true, viewers: 1 });
    await room.settled();
    expect(got).toEqual(["0004", "0005", "0002", "0003"]);
    expect(room.messages.map((m) => m.id)).toEqual(["0001", "0002", "0003", "0004", "0005"]);
    expect(client.stats).toEqual({ refills: 1, suspectedGaps: 1, realGaps: 1 });
  });

  it("keeps one refill in flight per room however many gaps open", async () => {
    const { socket, room, clock, answerJoin } = await joinedRoom(["0001"]);
    for (let i = 0; i < 10; i++) {
      const base = 10 + i * 3;
      socket.deliver("chat:message", message("r", `00${base + 2}`, `00${base + 1}`));
    }
    await clock.advance(1000);
    expect(socket.unanswered("room:join")).toHaveLength(1);
    socket.deliver("chat:message", message("r", "0099", "0098")); // during the refill
    await clock.advance(5000);
    expect(socket.unanswered("room:join")).toHaveLength(1);
    await answerJoin(); // recovered, and 0098 is still missing: checked again, with a grace of its own
    await clock.advance(999);
    expect(socket.unanswered("room:join")).toHaveLength(0);
    await clock.advance(1);
    expect(socket.unanswered("room:join").map((r) => r.payload.since)).toEqual(["0039"]); // the newest seen below the gap
    await answerJoin(["0098"]);
    await room.settled();
    expect(room.stats.refills).toBe(2);
  });

  it("shows notices, newest wins, and a notice is an entry a prev may name", async () => {
    const { socket, room, clock } = await joinedRoom(["0001"]);
    const notices: (string | undefined)[] = [];
    room.on("notice", ({ notice: n }) => notices.push(n?.id));
    socket.deliver("notice", notice("r", "0002", "0001"));
    socket.deliver("chat:message", message("r", "0003", "0002"));
    await clock.advance(5000);
    expect(notices).toEqual(["0002"]);
    expect(room.notice?.text).toBe("n0002");
    expect(room.stats.suspectedGaps).toBe(0);
  });

  it("removes a deleted message and no longer joins with its id", async () => {
    const { socket, room, client } = await joinedRoom(["0001", "0002"]);
    const deleted: string[] = [];
    room.on("deleted", ({ id }) => deleted.push(id));
    socket.deliver("chat:deleted", { room: "r", id: "0002" });
    expect(deleted).toEqual(["0002"]);
    expect(room.messages.map((m) => m.id)).toEqual(["0001"]);
    expect(room.lastId).toBe("0001");
    socket.drop();
    socket.open();
    expect(socket.unanswered("room:join")[0]!.payload).toEqual({ room: "r", since: "0001" });
    expect(client.rooms).toEqual([room]);
  });

  it("does not break when a listener throws: the error is reported, the room goes on", async () => {
    const { socket, room, clock } = await joinedRoom(["0001"]);
    room.on("messages", () => {
      throw new Error("a bug in the UI");
    });
    const got: string[] = [];
    room.on("messages", ({ messages }) => got.push(...messages.map((m) => m.id)));
    socket.deliver("chat:message", message("r", "0002", "0001"));
    expect(got).toEqual(["0002"]);
    await expect(clock.advance(1)).rejects.toThrow("a bug in the UI");
    await flush();
  });
});
