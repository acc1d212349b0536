/** Every row of PROTOCOL.md's error table, plus garbage and missing acks, over real connections. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { mintToken } from "../src/auth/token.js";
import { ErrorCode, UNAUTHORIZED, type Failure } from "../src/protocol/index.js";
import { StoreUnavailableError, type MessageStore } from "../src/store/message-store.js";
import { call, connectClient, join, nextEvent, record, sendChat, uniqueId } from "./support/clients.js";
import { TEST_SECRET, startEmbedded, type EmbeddedServer } from "./support/embedded-server.js";
import { useClients } from "./support/use-clients.js";

let srv: EmbeddedServer;
const client = useClients(() => srv.url);
function expectError(res: unknown, code: string): void {
  expect(res).toMatchObject({ ok: false, error: { code } });
  expect(typeof (res as Failure).error.message).toBe("string");
}

beforeAll(async () => {
  srv = await startEmbedded({ ratePerSec: 2, rateBurst: 3, messageMaxLength: 500 });
});
afterAll(async () => {
  await srv.close();
});

describe("bad_request", () => {
  it.each([
    ["not an object", "hello"],
    ["null", null],
    ["an array", [1, 2]],
    ["no room", { text: "x", kind: "chat", clientId: "1" }],
    ["bad room id", { room: "no spaces", text: "x", kind: "chat", clientId: "1" }],
    ["room id too long", { room: "a".repeat(65), text: "x", kind: "chat", clientId: "1" }],
    ["non-string text", { room: "r", text: 42, kind: "chat", clientId: "1" }],
    ["empty text", { room: "r", text: "", kind: "chat", clientId: "1" }],
    ["blank text", { room: "r", text: "   ", kind: "chat", clientId: "1" }],
    ["unknown kind", { room: "r", text: "x", kind: "shout", clientId: "1" }],
    ["missing clientId", { room: "r", text: "x", kind: "chat" }],
    ["object clientId", { room: "r", text: "x", kind: "chat", clientId: { a: 1 } }],
  ])("chat:send with %s", async (_what, payload) => {
    const c = await client();
    await join(c, "r");
    expectError(await call(c, "chat:send", payload), ErrorCode.BadRequest);
  });

  it("room:join with a bad room id or since", async () => {
    const c = await client();
    expectError(await call(c, "room:join", { room: "../etc" }), ErrorCode.BadRequest);
    expectError(await call(c, "room:join", { room: "ok", since: 12 }), ErrorCode.BadRequest);
    expectError(await call(c, "room:join"), ErrorCode.BadRequest);
    expectError(await call(c, "room:leave", { room: "" }), ErrorCode.BadRequest);
  });

  it("an unknown event with an ack", async () => {
    const c = await client();
    expectError(await call(c, "chat:shout", { room: "r" }), ErrorCode.BadRequest);
    // Names every object has must not pass for known events.
    expectError(await call(c, "constructor", {}), ErrorCode.BadRequest);
    expectError(await call(c, "__proto__", {}), ErrorCode.BadRequest);
  });
});

it("too_large: text over the limit, counted in characters", async () => {
  const c = await client();
  await join(c, "big");
  expectError(await sendChat(c, "big", "x".repeat(501)), ErrorCode.TooLarge);
  // 500 emoji are 1000 UTF-16 units but 500 characters: allowed.
  expect((await sendChat(c, "big", "😀".repeat(500))).ok).toBe(true);
});

it("not_joined: sending to a room this socket has not joined", async () => {
  const c = await client();
  expectError(await sendChat(c, uniqueId("r"), "hi"), ErrorCode.NotJoined);
  const room = uniqueId("r");
  await join(c, room);
  await call(c, "room:leave", { room });
  expectError(await sendChat(c, room, "hi"), ErrorCode.NotJoined);
});

describe("forbidden", () => {
  it("a viewer sends a notice", async () => {
    const c = await client();
    await join(c, "stage");
    expectError(await call(c, "notice:send", { room: "stage", text: "hi", clientId: "n1" }), ErrorCode.Forbidden);
    const token = await mintToken({ sub: "v1", name: "Vee", role: "viewer", rooms: ["stage"] }, TEST_SECRET);
    const v = await client({ token });
    await join(v, "stage");
    expectError(await call(v, "notice:send", { room: "stage", text: "hi", clientId: "n2" }), ErrorCode.Forbidden);
  });

  it("a streamer sends one to a room it does not own", async () => {
    const token = await mintToken({ sub: "s1", name: "Sue", role: "streamer", rooms: ["mine"] }, TEST_SECRET);
    const s = await client({ token });
    await join(s, "theirs");
    expectError(await call(s, "notice:send", { room: "theirs", text: "hi", clientId: "n3" }), ErrorCode.Forbidden);
  });
});

it("rate_limited: over the per-connection rate, with retryAfterMs, and nothing broadcast", async () => {
  const room = uniqueId("r");
  const flood = await client();
  const watcher = await client();
  await join(flood, room);
  await join(watcher, room);
  const seen = record(watcher, "chat:message");
  const acks = await Promise.all(Array.from({ length: 6 }, (_, i) => sendChat(flood, room, `m${i}`)));
  const ok = acks.filter((a) => a.ok);
  const limited = acks.filter((a) => !a.ok);
  expect(ok.length).toBe(3);
  expect(limited.length).toBe(3);
  for (const a of limited) {
    expectError(a, ErrorCode.RateLimited);
    expect(!a.ok && a.error.retryAfterMs).toBeGreaterThan(0);
  }
  // Other clients are unaffected; the watcher saw exactly the accepted ones.
  const other = await client();
  await join(other, room);
  const barrier = nextEvent(watcher, "chat:message", (m) => m.text === "barrier");
  expect((await sendChat(other, room, "barrier")).ok).toBe(true);
  await barrier;
  expect(seen.map((m) => m.text)).toEqual(["m0", "m1", "m2", "barrier"]);
  // After waiting as told, the flooder may send again.
  const wait = Math.max(...limited.map((a) => (!a.ok && a.error.retryAfterMs) || 0));
  await new Promise((r) => setTimeout(r, wait));
  expect((await sendChat(flood, room, "later")).ok).toBe(true);
});

describe("unavailable", () => {
  it("acks unavailable, stores and broadcasts nothing when the store fails; the retry succeeds", async () => {
    let down = true;
    let inner!: MessageStore;
    // The store as it is, but for append, which fails while `down`.
    const flaky = (store: MessageStore): MessageStore => {
      inner = store;
      const append: MessageStore["append"] = (r, d) => (down ? Promise.reject(new StoreUnavailableError("down")) : inner.append(r, d));
      return Object.assign(Object.create(store) as MessageStore, { append });
    };
    const flakySrv = await startEmbedded({}, { wrapStore: flaky });
    try {
      const room = uniqueId("r");
      const a = await client({}, flakySrv.url);
      const b = await client({}, flakySrv.url);
      await join(a, room);
      await join(b, room);
      const seen = record(b, "chat:message");
      const clientId = uniqueId();
      expectError(await sendChat(a, room, "lost?", { clientId }), ErrorCode.Unavailable);
      expect((await inner.history(room)).messages).toEqual([]);
      down = false;
      const next = nextEvent(b, "chat:message");
      const retry = await sendChat(a, room, "lost?", { clientId });
      expect(retry.ok).toBe(true);
      await next;
      expect(seen.length).toBe(1);
    } finally {
      await flakySrv.close();
    }
  });
});

describe("unauthorized", () => {
  it.each([
    ["garbage", async () => "not-a-jwt"],
    ["wrong secret", () => mintToken({ sub: "x", name: "X", role: "streamer", rooms: ["r"] }, "another-secret-0123456789")],
    ["expired", () => mintToken({ sub: "x", name: "X", role: "viewer", ttlSec: -10 }, TEST_SECRET)],
    [
      "bad role",
      () =>
        new SignJWT({ name: "X", role: "admin" })
          .setProtectedHeader({ alg: "HS256" })
          .setSubject("x")
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode(TEST_SECRET)),
    ],
    [
      "alg none",
      async () =>
        `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"x","name":"X","role":"streamer","rooms":["r"]}').toString("base64url")}.`,
    ],
  ])("refuses a %s token with connect_error unauthorized", async (_what, make) => {
    const token = await make();
    await expect(connectClient(srv.url, { auth: { token } })).rejects.toThrow(UNAUTHORIZED);
  });

  it("refuses a non-string token and a bad name", async () => {
    await expect(connectClient(srv.url, { auth: { token: 42 } as never })).rejects.toThrow(UNAUTHORIZED);
    await expect(connectClient(srv.url, { auth: { name: "x".repeat(40) } })).rejects.toThrow(/bad_request/);
  });
});

describe("garbage and missing acks", () => {
  it("ignores events without an ack: no crash, no broadcast", async () => {
    const room = uniqueId("r");
    const a = await client();
    const b = await client();
    await join(a, room);
    await join(b, room);
    const seen = record(b, "chat:message");
    a.emit("chat:send", { room, text: "no ack", kind: "chat", clientId: "x1" } as never, undefined as never);
    (a as unknown as { emit(...x: unknown[]): void }).emit("chat:send", { room, text: "no ack 2", kind: "chat", clientId: "x2" });
    (a as unknown as { emit(...x: unknown[]): void }).emit("room:join");
    (a as unknown as { emit(...x: unknown[]): void }).emit("whatever", Buffer.from([1, 2, 3]));
    const barrier = nextEvent(b, "chat:message");
    expect((await sendChat(a, room, "with ack")).ok).toBe(true);
    await barrier;
    expect(seen.map((m) => m.text)).toEqual(["with ack"]);
    expect(a.connected).toBe(true);
  });

  it("survives binary, deep and huge payloads with error acks", async () => {
    const c = await client();
    await join(c, "r");
    let deep: unknown = "x";
    for (let i = 0; i < 500; i++) deep = { room: deep };
    expectError(await call(c, "chat:send", deep), ErrorCode.BadRequest);
    expectError(await call(c, "chat:send", Buffer.from("binary")), ErrorCode.BadRequest);
    expectError(await call(c, "chat:send", { room: "r", text: Buffer.from("bin"), kind: "chat", clientId: "b" }), ErrorCode.BadRequest);
    expectError(await call(c, "room:join", { room: "r".repeat(10_000) }), ErrorCode.BadRequest);
    expect((await join(c, "r")).ok).toBe(true);
  });
});
