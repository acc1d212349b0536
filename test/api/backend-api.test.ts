/**
 * Issue 14, done-when, over 3 replicas on the suite's shared Redis Cluster: the site's backend
 * (HTTP API) and the streamer's tools act on every replica.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { mintToken } from "../../src/auth/token.js";
import { ErrorCode, type ChatBatch, type JoinResult } from "../../src/protocol/index.js";
import { attachRedisCluster } from "../harness/redis-cluster.js";
import { startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import { call, join, nextEvent, sendChat, uniqueId } from "../support/clients.js";
import { ClientPool } from "../support/use-clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

const KEY = "cluster-test-api-key-0001";
let replicas: Replica[] = [];
/** Every client the file opens, closed before the replicas stop. */
const clients = new ClientPool();
const client = (replica: Replica, auth = {}) => clients.connect(replica, auth);

async function api(replica: Replica, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${replica.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const token = (sub: string, rooms?: string[]) =>
  mintToken(rooms ? { sub, name: sub, role: "streamer", rooms } : { sub, name: sub, role: "viewer" }, TEST_SECRET);

beforeAll(async () => {
  const cluster = attachRedisCluster(inject("redisCluster"));
  replicas = await startReplicas(3, {
    env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, API_KEYS: KEY, MAX_ROOMS_PER_SOCKET: "100", ...FAST },
  });
});

afterAll(async () => {
  clients.closeAll();
  await stopReplicas(replicas);
});

describe("the site's backend over 3 replicas", () => {
  it("a call on one replica reaches viewers on the others: system posts, deletes, settings, clears", async () => {
    const room = uniqueId("api");
    const [r0, r1, r2] = replicas as [Replica, Replica, Replica];
    const v1 = await client(r1);
    const batch = await client(r2, { caps: ["batch"] });
    for (const c of [v1, batch]) await join(c, room);

    const message = nextEvent(v1, "chat:message");
    const batched = nextEvent(batch, "chat:batch");
    const post = await api(r0, "POST", `/rooms/${room}/messages`, { text: "Raid from @bob!", name: "Site" }, { "idempotency-key": "raid-1" });
    expect(post.status).toBe(201);
    const id = post.body.id as string;
    expect(await message).toMatchObject({ id, text: "Raid from @bob!", system: true, user: { id: "system", name: "Site", role: "streamer" } });
    expect(((await batched) as ChatBatch).entries).toMatchObject([{ id, system: true }]);
    // A retry through another replica stores nothing new.
    expect(await api(r2, "POST", `/rooms/${room}/messages`, { text: "Raid from @bob!", name: "Site" }, { "idempotency-key": "raid-1" })).toEqual({
      status: 200,
      body: { id, duplicate: true },
    });

    const deleted = [nextEvent(v1, "chat:deleted"), nextEvent(batch, "chat:deleted")];
    expect((await api(r1, "DELETE", `/rooms/${room}/messages/${id}`)).body).toEqual({ deleted: true });
    expect(await Promise.all(deleted)).toEqual([{ room, id }, { room, id }]);

    const settings = [nextEvent(v1, "room:settings"), nextEvent(batch, "room:settings")];
    expect((await api(r2, "PUT", `/rooms/${room}/settings`, { slowModeSec: 10 })).body).toEqual({ settings: { slowModeSec: 10 } });
    expect(await Promise.all(settings)).toEqual([{ room, slowModeSec: 10 }, { room, slowModeSec: 10 }]);
    expect(await join(await client(r0), room)).toMatchObject({ ok: true, settings: { slowModeSec: 10 } });

    const cleared = nextEvent(v1, "chat:cleared");
    const clearEntry = nextEvent(batch, "chat:batch", (b) => b.entries.some((e) => e.kind === "clear"));
    const clear = await api(r0, "POST", `/rooms/${room}/clear`);
    expect(await cleared).toMatchObject({ room, id: clear.body.id, system: true });
    expect((await clearEntry).entries.at(-1)).toMatchObject({ id: clear.body.id, kind: "clear" });
  });

  it("answers viewer counts for 100 rooms in one request, from every replica's viewers", async () => {
    const rooms = Array.from({ length: 100 }, (_, i) => uniqueId(`dir${i}`));
    // One viewer per replica in every room, and one more on replica 1 in the first half.
    for (const r of replicas) {
      const c = await client(r);
      await Promise.all(rooms.map((room) => join(c, room)));
    }
    const extra = await client(replicas[1]!);
    await Promise.all(rooms.slice(0, 50).map((room) => join(extra, room)));
    const expected = Object.fromEntries(rooms.map((room, i) => [room, i < 50 ? 4 : 3]));
    const query = rooms.map((r) => `room=${r}`).join("&");
    let last: unknown;
    let took = 0;
    // Replicas report on a 1 s tick: ask until every report is in.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const start = performance.now();
      const res = await api(replicas[2]!, "GET", `/viewers?${query}`);
      took = performance.now() - start;
      expect(res.status).toBe(200);
      last = res.body.viewers;
      if (JSON.stringify(last) === JSON.stringify(expected)) break;
    }
    expect(last).toEqual(expected);
    expect(took).toBeLessThan(1_000);
  });

  it("refuses a banned user on every replica and after reconnecting, until the ban is lifted", async () => {
    const room = uniqueId("ban");
    const streamer = await client(replicas[2]!, { token: await token("owner", [room]) });
    const troll = await token("cluster-troll");
    const sockets = [await client(replicas[0]!, { token: troll }), await client(replicas[1]!, { token: troll })];
    for (const c of [streamer, ...sockets]) expect((await join(c, room)).ok).toBe(true);
    const told = sockets.map((c) => nextEvent(c, "room:banned"));
    expect(await call(streamer, "user:ban", { room, userId: "cluster-troll" })).toEqual({ ok: true, until: null });
    expect(await Promise.all(told)).toEqual([{ room, until: null }, { room, until: null }]);
    for (const c of sockets) {
      expect(await sendChat(c, room, "am I still here?")).toMatchObject({ ok: false, error: { code: ErrorCode.NotJoined } });
      expect(await join(c, room)).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    }
    for (const c of sockets) c.close();
    for (const r of replicas) expect(await join(await client(r, { token: troll }), room)).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    // Lifted through the API on another replica: joins and sends work everywhere again.
    expect((await api(replicas[1]!, "DELETE", `/rooms/${room}/bans/cluster-troll`)).body).toEqual({ lifted: true });
    for (const r of replicas) {
      const c = await client(r, { token: troll });
      expect((await join(c, room)).ok).toBe(true);
    }
  });

  it("holds slow mode per user across the user's sockets on different replicas", async () => {
    const room = uniqueId("slow");
    const streamer = await client(replicas[2]!, { token: await token("slow-owner", [room]) });
    const user = await token("two-tabs");
    const [tab1, tab2] = [await client(replicas[0]!, { token: user }), await client(replicas[1]!, { token: user })];
    const other = await client(replicas[1]!);
    for (const c of [streamer, tab1, tab2, other]) await join(c, room);
    expect(await call(streamer, "room:configure", { room, slowModeSec: 30 })).toEqual({ ok: true, settings: { slowModeSec: 30 } });
    expect((await sendChat(tab1, room, "first")).ok).toBe(true);
    const refused = await sendChat(tab2, room, "second, from my other tab");
    expect(refused).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
    expect(!refused.ok && refused.error.retryAfterMs).toBeGreaterThan(25_000);
    expect(await sendChat(tab1, room, "again")).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
    expect((await sendChat(other, room, "someone else")).ok).toBe(true);
    expect((await sendChat(streamer, room, "the streamer")).ok).toBe(true);
  });

  it("does not show a cleared chat to a viewer who joins after the clear", async () => {
    const room = uniqueId("clear");
    const streamer = await client(replicas[1]!, { token: await token("clear-owner", [room]) });
    const talkers = [await client(replicas[0]!), await client(replicas[2]!)];
    for (const c of [streamer, ...talkers]) await join(c, room);
    const old: string[] = [];
    for (const [i, c] of talkers.entries()) {
      const ack = await sendChat(c, room, `before clear ${i}`);
      if (ack.ok) old.push(ack.id);
    }
    expect(old).toHaveLength(2);
    const seen = nextEvent(talkers[0]!, "chat:cleared");
    const res = await call<{ ok: boolean; id: string }>(streamer, "chat:clear", { room });
    expect((await seen).id).toBe(res.id);
    expect((await sendChat(talkers[1]!, room, "after clear")).ok).toBe(true);
    for (const r of replicas) {
      const late = (await join(await client(r), room)) as { ok: true } & JoinResult;
      expect(late.messages.map((m) => m.text)).toEqual(["after clear"]);
      const back = (await join(await client(r), room, old[1])) as { ok: true } & JoinResult;
      expect(back).toMatchObject({ recovered: false, messages: [{ text: "after clear" }] });
    }
    expect((await api(replicas[2]!, "GET", `/rooms/${room}/history`)).body).toMatchObject({ recovered: false, messages: [{ text: "after clear" }] });
  });

  it("closes a user's connections on every replica", async () => {
    const user = await token("to-disconnect");
    const sockets = await Promise.all(replicas.map((r) => client(r, { token: user })));
    const bystander = await client(replicas[0]!);
    const closed = sockets.map((c) => new Promise<string>((r) => c.once("disconnect", r)));
    expect((await api(replicas[1]!, "POST", "/users/to-disconnect/disconnect")).body).toEqual({ disconnected: 3 });
    expect(await Promise.all(closed)).toEqual(["io server disconnect", "io server disconnect", "io server disconnect"]);
    expect(bystander.connected).toBe(true);
  });
});
