/** The server HTTP API on an embedded server, over real HTTP: auth, limits, validation, every error status, effects on sockets. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../auth/token.js";
import { ErrorCode, type ChatMessage } from "../protocol/index.js";
import { StoreUnavailableError, type MessageStore } from "../store/message-store.js";
import { join, nextEvent, sendChat, uniqueId } from "../../test/support/clients.js";
import { TEST_SECRET, startEmbedded, type EmbeddedServer } from "../../test/support/embedded-server.js";
import { useClients } from "../../test/support/use-clients.js";

const KEY = "site-backend-key-0001";
const OTHER_KEY = "rotated-key-000000000002";

let srv: EmbeddedServer;
const client = useClients(() => srv.url);

interface Reply {
  status: number;
  body: { error?: { code: string; message: string; retryAfterMs?: number } } & Record<string, unknown>;
  headers: Headers;
}

async function api(base: string, method: string, path: string, options: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const res = await fetch(`${base}/api/v1${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Reply["body"]) : {}, headers: res.headers };
}

const on = (method: string, path: string, options?: Parameters<typeof api>[3]) => api(srv.url, method, path, options);

function expectError(r: Reply, status: number, code: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error).toMatchObject({ code, message: expect.any(String) });
}

beforeAll(async () => {
  srv = await startEmbedded({ api: { keys: [KEY, OTHER_KEY], maxBodyBytes: 2_048 }, messageMaxLength: 100 });
});
afterAll(async () => {
  await srv.close();
});

describe("auth", () => {
  it("refuses a missing or wrong key with 401 unauthorized, on every route, known or not", async () => {
    expectError(await on("GET", "/viewers?room=a", { key: null }), 401, ErrorCode.Unauthorized);
    expectError(await on("GET", "/viewers?room=a", { key: "site-backend-key-0002" }), 401, ErrorCode.Unauthorized);
    expectError(await on("POST", "/rooms/r/messages", { key: null, body: { text: "x" } }), 401, ErrorCode.Unauthorized);
    expectError(await on("GET", "/no/such/route", { key: null }), 401, ErrorCode.Unauthorized);
    expect((await on("GET", "/viewers?room=a")).status).toBe(200);
    expect((await on("GET", "/viewers?room=a", { key: OTHER_KEY })).status).toBe(200);
    // Known key, unknown route.
    expectError(await on("GET", "/no/such/route"), 404, ErrorCode.NotFound);
  });

  it("is off without keys: every API path answers 404 not_found and says why", async () => {
    const off = await startEmbedded();
    try {
      for (const path of ["/viewers?room=a", "/openapi.json", "/rooms/r/clear"]) {
        const r = await api(off.url, "GET", path);
        expectError(r, 404, ErrorCode.NotFound);
        expect(r.body.error!.message).toMatch(/API_KEYS/);
      }
    } finally {
      await off.close();
    }
  });
});

describe("rate limit", () => {
  it("limits each key on its own: 429 rate_limited with Retry-After and retryAfterMs", async () => {
    const limited = await startEmbedded({ api: { keys: [KEY, OTHER_KEY], ratePerSec: 1, rateBurst: 2 } });
    try {
      const get = (key: string) => api(limited.url, "GET", "/viewers?room=a", { key });
      expect((await get(KEY)).status).toBe(200);
      expect((await get(KEY)).status).toBe(200);
      const refused = await get(KEY);
      expectError(refused, 429, ErrorCode.RateLimited);
      expect(refused.body.error!.retryAfterMs).toBeGreaterThan(0);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await get(OTHER_KEY)).status).toBe(200);
      // Waiting as told is enough.
      await new Promise((r) => setTimeout(r, refused.body.error!.retryAfterMs));
      expect((await get(KEY)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe("validation", () => {
  it("answers malformed paths, queries and bodies with 400 bad_request, oversized ones with 413 too_large", async () => {
    const cases: [string, string, Parameters<typeof api>[3], number, string][] = [
      ["POST", "/rooms/bad%20room/messages", { body: { text: "x" } }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/messages", { raw: "{not json" }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/messages", { raw: "hello", headers: { "content-type": "text/plain" } }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/messages", { body: [1, 2] }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/messages", { body: { text: "   " } }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/messages", { body: { text: "x", kind: "question" } }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/messages", { body: { text: "x", name: "n".repeat(40) } }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/messages", { body: { text: "x" }, headers: { "idempotency-key": "has space" } }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/messages", { body: { text: "x".repeat(101) } }, 413, ErrorCode.TooLarge],
      ["POST", "/rooms/r/messages", { body: { text: "x", pad: "y".repeat(3_000) } }, 413, ErrorCode.TooLarge],
      ["POST", "/rooms/r/mutes", { body: { userId: "u", durationSec: 0 } }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/mutes", { body: { durationSec: 10 } }, 400, ErrorCode.BadRequest],
      ["POST", "/rooms/r/bans", { body: { userId: "u", durationSec: 1.5 } }, 400, ErrorCode.BadRequest],
      ["PUT", "/rooms/r/settings", { body: { slowModeSec: 301 } }, 400, ErrorCode.BadRequest],
      ["PUT", "/rooms/r/settings", { body: {} }, 400, ErrorCode.BadRequest],
      ["GET", "/rooms/r/history?limit=0", {}, 400, ErrorCode.BadRequest],
      ["GET", "/rooms/r/history?since=a&since=b", {}, 400, ErrorCode.BadRequest],
      ["GET", "/viewers", {}, 400, ErrorCode.BadRequest],
      ["GET", "/viewers?room=ok&room=not%20ok", {}, 400, ErrorCode.BadRequest],
      ["GET", `/viewers?${Array.from({ length: 201 }, (_, i) => `room=r${i}`).join("&")}`, {}, 413, ErrorCode.TooLarge],
    ];
    for (const [method, path, options, status, code] of cases) {
      const r = await on(method, path, options);
      expect([r.status, r.body.error?.code], `${method} ${path.slice(0, 60)} ${JSON.stringify(options).slice(0, 80)}`).toEqual([status, code]);
    }
  });

  it("answers 404 not_found for a message, ban or route that is not there", async () => {
    const room = uniqueId("nf");
    expectError(await on("DELETE", `/rooms/${room}/messages/01700000000000-0000000000`), 404, ErrorCode.NotFound);
    expectError(await on("DELETE", `/rooms/${room}/bans/nobody`), 404, ErrorCode.NotFound);
    expectError(await on("PATCH", `/rooms/${room}/settings`, { body: { slowModeSec: 1 } }), 404, ErrorCode.NotFound);
  });
});

describe("system posts", () => {
  it("opens a room for viewers' messages, for the default or a given time", async () => {
    const before = Date.now();
    const byDefault = await on("POST", "/rooms/open-me/open");
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.until).toBeGreaterThan(before + 3_600_000);
    const hour = await on("POST", "/rooms/open-me/open", { body: { durationSec: 3_600 } });
    expect(hour.body.until).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expectError(await on("POST", "/rooms/open-me/open", { body: { durationSec: 0 } }), 400, "bad_request");
  });

  it("stores a system message once per idempotency key, delivers it marked as system, and refuses the key for another body (409)", async () => {
    const room = uniqueId("sys");
    const viewer = await client();
    await join(viewer, room);
    const live = nextEvent(viewer, "chat:message");
    const post = { text: "Alice subscribed!", name: "MySite" };
    const first = await on("POST", `/rooms/${room}/messages`, { body: post, headers: { "idempotency-key": "sub-alice-1" } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.any(String), duplicate: false });
    expect(await live).toMatchObject({ id: first.body.id, text: "Alice subscribed!", system: true, user: { id: "system", name: "MySite", role: "streamer" } });
    const retry = await on("POST", `/rooms/${room}/messages`, { body: post, headers: { "idempotency-key": "sub-alice-1" } });
    expect([retry.status, retry.body]).toEqual([200, { id: first.body.id, duplicate: true }]);
    expectError(await on("POST", `/rooms/${room}/messages`, { body: { text: "Bob subscribed!" }, headers: { "idempotency-key": "sub-alice-1" } }), 409, ErrorCode.Conflict);
    // Without a key, every call is a new message.
    const a = await on("POST", `/rooms/${room}/messages`, { body: { text: "raid!" } });
    const b = await on("POST", `/rooms/${room}/messages`, { body: { text: "raid!" } });
    expect(a.body.id).not.toBe(b.body.id);
    const history = await on("GET", `/rooms/${room}/history`);
    expect((history.body.messages as ChatMessage[]).map((m) => [m.text, m.system])).toEqual([
      ["Alice subscribed!", true],
      ["raid!", true],
      ["raid!", true],
    ]);
    expect((await on("GET", `/rooms/${room}/history?limit=1`)).body.messages).toMatchObject([{ id: b.body.id }]);
    expect((await on("GET", `/rooms/${room}/history?since=${first.body.id}&limit=1`)).body).toMatchObject({ recovered: true, messages: [{ id: a.body.id }] });
  });

  it("posts a notice that replaces the pinned one", async () => {
    const room = uniqueId("sysn");
    const viewer = await client();
    await join(viewer, room);
    const live = nextEvent(viewer, "notice");
    const r = await on("POST", `/rooms/${room}/messages`, { body: { text: "Stream starts at 8", kind: "notice" } });
    expect(await live).toMatchObject({ id: r.body.id, system: true });
    const ack = await join(await client(), room);
    expect(ack.ok && ack.notice).toMatchObject({ id: r.body.id, text: "Stream starts at 8", system: true });
  });
});

describe("moderation through the API", () => {
  it("deletes, mutes, bans and lifts bans, clears and sets slow mode, with the socket events' effects", async () => {
    const room = uniqueId("mod");
    const token = await mintToken({ sub: "troll", name: "Troll", role: "viewer" }, TEST_SECRET);
    const troll = await client({ token });
    const viewer = await client();
    await join(troll, room);
    await join(viewer, room);
    const spam = await sendChat(troll, room, "spam");
    if (!spam.ok) throw new Error("send failed");
    const deleted = nextEvent(viewer, "chat:deleted");
    expect((await on("DELETE", `/rooms/${room}/messages/${spam.id}`)).body).toEqual({ deleted: true });
    expect(await deleted).toEqual({ room, id: spam.id });

    const muted = await on("POST", `/rooms/${room}/mutes`, { body: { userId: "troll", durationSec: 60 } });
    expect(muted.body.until).toBeGreaterThan(Date.now());
    expect(await sendChat(troll, room, "muted?")).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });

    const banned = nextEvent(troll, "room:banned");
    expect((await on("POST", `/rooms/${room}/bans`, { body: { userId: "troll" } })).body).toEqual({ until: null, removed: 1 });
    expect(await banned).toEqual({ room, until: null });
    expect(await join(troll, room)).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden, message: expect.stringMatching(/banned/) } });
    expect((await on("DELETE", `/rooms/${room}/bans/troll`)).body).toEqual({ lifted: true });
    expect((await join(troll, room)).ok).toBe(true);

    const settings = nextEvent(viewer, "room:settings");
    expect((await on("PUT", `/rooms/${room}/settings`, { body: { slowModeSec: 30 } })).body).toEqual({ settings: { slowModeSec: 30 } });
    expect(await settings).toEqual({ room, slowModeSec: 30 });
    expect((await on("GET", `/rooms/${room}/settings`)).body).toEqual({ settings: { slowModeSec: 30 } });
    expect(await join(await client(), room)).toMatchObject({ ok: true, settings: { slowModeSec: 30 } });

    const cleared = nextEvent(viewer, "chat:cleared");
    const clear = await on("POST", `/rooms/${room}/clear`);
    expect(await cleared).toMatchObject({ room, id: clear.body.id, system: true });
    expect((await on("GET", `/rooms/${room}/history`)).body).toEqual({ room, recovered: false, messages: [] });
  });

  it("counts viewers of many rooms and disconnects a user's connections", async () => {
    const rooms = [uniqueId("v"), uniqueId("v"), uniqueId("v")];
    const token = await mintToken({ sub: "leaver", name: "Leaver", role: "viewer" }, TEST_SECRET);
    const a = await client({ token });
    const b = await client({ token });
    await join(a, rooms[0]!);
    await join(b, rooms[0]!);
    await join(b, rooms[1]!);
    // Presence syncs on a tick (50 ms here): ask until it has caught up.
    const expected = { [rooms[0]!]: 2, [rooms[1]!]: 1, [rooms[2]!]: 0 };
    let last: unknown;
    const settled = async () => {
      last = (await on("GET", `/viewers?${rooms.map((r) => `room=${r}`).join("&")}`)).body.viewers;
      return JSON.stringify(last) === JSON.stringify(expected);
    };
    const deadline = Date.now() + 5_000;
    while (!(await settled()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(last).toEqual(expected);
    const gone = [a, b].map((c) => new Promise<string>((r) => c.once("disconnect", r)));
    expect((await on("POST", "/users/leaver/disconnect")).body).toEqual({ disconnected: 2 });
    expect(await Promise.all(gone)).toEqual(["io server disconnect", "io server disconnect"]);
    expect((await on("POST", "/users/nobody/disconnect")).body).toEqual({ disconnected: 0 });
  });
});

describe("unavailable", () => {
  it("answers 503 unavailable with Retry-After while the store is down, and works once it is back", async () => {
    let down = true;
    const flaky = (store: MessageStore): MessageStore =>
      new Proxy(store, {
        get(target, prop) {
          const value = Reflect.get(target, prop) as unknown;
          if (typeof value !== "function") return value;
          if (down && prop !== "close") return () => Promise.reject(new StoreUnavailableError("down"));
          return (value as (...a: unknown[]) => unknown).bind(target);
        },
      });
    const broken = await startEmbedded({ api: { keys: [KEY] } }, { wrapStore: flaky });
    try {
      const room = uniqueId("down");
      for (const [method, path, body] of [
        ["POST", `/rooms/${room}/messages`, { text: "hello" }],
        ["GET", `/rooms/${room}/history`, undefined],
        ["PUT", `/rooms/${room}/settings`, { slowModeSec: 5 }],
        ["POST", `/rooms/${room}/bans`, { userId: "u" }],
      ] as const) {
        const r = await api(broken.url, method, path, { body, headers: { "idempotency-key": "k" } });
        expectError(r, 503, ErrorCode.Unavailable);
        expect(r.headers.get("retry-after")).toBe("1");
      }
      down = false;
      expect((await api(broken.url, "POST", `/rooms/${room}/messages`, { body: { text: "hello" }, headers: { "idempotency-key": "k" } })).status).toBe(201);
    } finally {
      await broken.close();
    }
  });
});
