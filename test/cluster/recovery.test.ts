/**
 * Issue "durable history", done-when: recovery after a disconnect or a page refresh on another
 * replica, exactly-once retries across replicas, and a replica killed while clients send.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MemoryStorage } from "../../src/sdk/index.js";
import { attachRedisCluster } from "../harness/redis-cluster.js";
import { startReplicas, type Replica } from "../harness/replica.js";
import { ChatViewer } from "../support/chat-viewer.js";
import { connectClient, join, nextEvent, record, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let replicas: Replica[] = [];
const clients: ChatClient[] = [];
const viewers: ChatViewer[] = [];

async function client(replica: Replica): Promise<ChatClient> {
  const c = await connectClient(replica.url);
  clients.push(c);
  return c;
}

/** A viewer on the SDK (the reference client), closed after the suite. */
async function viewer(replica: Replica, rooms: string[], storage?: MemoryStorage): Promise<ChatViewer> {
  const v = await ChatViewer.connect(replica.url, rooms, { storage });
  viewers.push(v);
  return v;
}

/** The last join ack the viewer got for `room`. */
function lastJoin(v: ChatViewer, room: string) {
  const join = v.joins.filter((j) => j.room === room).at(-1);
  if (!join) throw new Error(`no join of ${room}`);
  return join;
}

beforeAll(async () => {
  const cluster = attachRedisCluster(inject("redisCluster"));
  replicas = await startReplicas(3, { env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, HISTORY_SIZE: "500", ...FAST } });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const v of viewers.splice(0)) v.close();
  await Promise.all(replicas.map((r) => r.stop()));
});

async function sendMany(sender: ChatClient, room: string, n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const ack = await sendChat(sender, room, `${prefix} ${i}`);
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    ids.push(ack.id);
  }
  return ids;
}

describe("recovery on another replica", () => {
  it.each(["reconnect", "page refresh"])("after a %s, gets exactly the 50 missed messages in order", async (how) => {
    const [r1, r2] = [uniqueId("rec"), uniqueId("rec")];
    const v = await viewer(replicas[0]!, [r1, r2]);
    const others = [await client(replicas[1]!), await client(replicas[2]!)];
    for (const room of [r1, r2]) for (const o of others) await join(o, room);
    // Live traffic before the outage sets the last ids.
    for (const room of [r1, r2]) {
      const next = v.nextLive(room, (e) => e.text === "before 0");
      await sendMany(others[0]!, room, 1, "before");
      await next;
    }
    v.close();
    const missed = {
      [r1]: await sendMany(others[0]!, r1, 25, "missed a"),
      [r2]: await sendMany(others[1]!, r2, 25, "missed b"),
    };
    // Interleave so the 50 are spread over both rooms and both senders.
    missed[r1]!.push(...(await sendMany(others[1]!, r1, 25, "missed c")));
    missed[r2]!.push(...(await sendMany(others[0]!, r2, 25, "missed d")));

    // A reconnect keeps the viewer's storage; a refresh is a new client reading it back (same values).
    let back = v;
    if (how === "page refresh") {
      const reloaded = new MemoryStorage();
      for (const room of [r1, r2]) reloaded.saveRoom(room, JSON.parse(JSON.stringify(v.storage.loadRoom(room))));
      back = await viewer(replicas[2]!, [r1, r2], reloaded);
    } else await v.reconnect(replicas[2]!.url);
    for (const room of [r1, r2]) {
      const res = lastJoin(back, room);
      expect(res.recovered).toBe(true);
      expect(res.ids).toEqual(missed[room]);
      expect(new Set(res.ids).size).toBe(50);
    }
  });
});

describe("exactly-once sends", () => {
  it("a retried clientId, on another replica, stores once and broadcasts once", async () => {
    const room = uniqueId("once");
    const a1 = await client(replicas[0]!);
    const a2 = await client(replicas[1]!); // the same user after a reconnect elsewhere
    const watcher = await client(replicas[2]!);
    for (const c of [a1, a2, watcher]) await join(c, room);
    const seen = record(watcher, "chat:message");
    const clientId = uniqueId("retry");
    const acks = await Promise.all([
      sendChat(a1, room, "only once", { clientId }),
      sendChat(a2, room, "only once", { clientId }),
      sendChat(a1, room, "only once", { clientId }),
    ]);
    const ids = acks.map((a) => (a.ok ? a.id : JSON.stringify(a)));
    expect(new Set(ids).size).toBe(1);
    const barrier = nextEvent(watcher, "chat:message", (m) => m.text === "after");
    await sendChat(a1, room, "after");
    await barrier;
    expect(seen.filter((m) => m.text === "only once")).toHaveLength(1);
    const history = await join(watcher, room);
    expect(history.ok && history.messages.filter((m) => m.text === "only once")).toHaveLength(1);
  });
});

describe("a replica killed while clients send", () => {
  it("keeps every message acked before the kill and recovers it everywhere, without duplicates", async () => {
    const [doomed] = await startReplicas(1, { env: { REDIS_CLUSTER_NODES: inject("redisCluster").seeds, AUTH_SECRET: TEST_SECRET, HISTORY_SIZE: "500", ...FAST } });
    const room = uniqueId("kill");
    const senders = [await client(doomed!), await client(doomed!)];
    const listeners = [await viewer(replicas[0]!, [room]), await viewer(replicas[1]!, [room])];
    for (const s of senders) await join(s, room);
    const acked: string[] = [];
    let stop = false;
    const loops = senders.map(async (s, si) => {
      for (let i = 0; !stop && i < 400; i++) {
        const ack = await sendChat(s, room, `s${si} m${i}`).catch(() => null);
        if (!ack) return; // the replica died under this send: not acked, no claim
        if (ack.ok) acked.push(ack.id);
      }
    });
    await until(() => acked.length >= 30, 10_000, "some acked sends");
    doomed!.kill("SIGKILL");
    await doomed!.exited;
    stop = true;
    await Promise.all(loops);
    const history = await join(await client(replicas[2]!), room);
    const stored = history.ok ? history.messages.map((m) => m.id) : [];
    for (const id of acked) expect(stored).toContain(id);
    expect(new Set(stored).size).toBe(stored.length);
    // Each listener reconnects to another replica with the last id it kept (reconnect() requires the
    // join to be recovered): it ends with every acked message, and neither live nor recovery repeats one.
    for (const [i, l] of listeners.entries()) {
      await l.reconnect(replicas[(i + 1) % 2]!.url);
      const res = lastJoin(l, room);
      expect(new Set(res.ids).size).toBe(res.ids.length);
      expect(res.ids.filter((id) => id <= res.since!)).toEqual([]);
      const live = l.live.get(room) ?? [];
      expect(new Set(live).size).toBe(live.length);
      const got = l.ids.get(room)!;
      for (const id of acked) expect(got).toContain(id);
    }
    await doomed!.stop();
  });
});
