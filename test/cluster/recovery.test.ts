/**
 * Issue "durable history", done-when: recovery after a disconnect or a page refresh on another
 * replica, exactly-once retries across replicas, and a replica killed while clients send.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ChatMessage } from "../../src/protocol/index.js";
import { attachRedisCluster } from "../harness/redis-cluster.js";
import { startReplicas, type Replica } from "../harness/replica.js";
import { connectClient, join, nextEvent, record, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let replicas: Replica[] = [];
const clients: ChatClient[] = [];

async function client(replica: Replica): Promise<ChatClient> {
  const c = await connectClient(replica.url);
  clients.push(c);
  return c;
}

/** What a client keeps per room: the last id it saw (its own acks count: it has those messages). */
class LastIds {
  readonly last = new Map<string, string>();
  see(room: string, id: string): void {
    const prev = this.last.get(room);
    if (prev === undefined || id > prev) this.last.set(room, id);
  }
}

beforeAll(async () => {
  const cluster = attachRedisCluster(inject("redisCluster"));
  replicas = await startReplicas(3, { env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, HISTORY_SIZE: "500", ...FAST } });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
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
    const viewer = await client(replicas[0]!);
    const others = [await client(replicas[1]!), await client(replicas[2]!)];
    const kept = new LastIds();
    for (const room of [r1, r2]) {
      const res = await join(viewer, room);
      expect(res.ok).toBe(true);
      for (const o of others) await join(o, room);
    }
    viewer.on("chat:message", (m) => kept.see(m.room, m.id));
    // Live traffic before the outage sets the last ids.
    for (const room of [r1, r2]) {
      const next = nextEvent(viewer, "chat:message", (m) => m.room === room);
      await sendMany(others[0]!, room, 1, "before");
      await next;
    }
    viewer.close();
    const missed = {
      [r1]: await sendMany(others[0]!, r1, 25, "missed a"),
      [r2]: await sendMany(others[1]!, r2, 25, "missed b"),
    };
    // Interleave so the 50 are spread over both rooms and both senders.
    missed[r1]!.push(...(await sendMany(others[1]!, r1, 25, "missed c")));
    missed[r2]!.push(...(await sendMany(others[0]!, r2, 25, "missed d")));

    // A reconnect keeps the in-memory ids; a refresh reads them back from storage (same values).
    const stored = how === "page refresh" ? new Map(JSON.parse(JSON.stringify([...kept.last]))) : kept.last;
    const back = await client(replicas[2]!);
    for (const room of [r1, r2]) {
      const res = await join(back, room, stored.get(room) as string);
      expect(res.ok && res.recovered).toBe(true);
      const got = res.ok ? res.messages : [];
      expect(got.map((m: ChatMessage) => m.id)).toEqual(missed[room]);
      expect(new Set(got.map((m) => m.id)).size).toBe(50);
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
    const listeners = [await client(replicas[0]!), await client(replicas[1]!)];
    const kept = listeners.map(() => new LastIds());
    const live = listeners.map(() => [] as string[]);
    for (const [i, l] of listeners.entries()) {
      await join(l, room);
      l.on("chat:message", (m) => {
        kept[i]!.see(m.room, m.id);
        live[i]!.push(m.id);
      });
    }
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
    // Each listener reconnects to another replica with its last id: live + recovered covers every
    // acked message, once.
    for (const [i, l] of listeners.entries()) {
      l.close();
      const back = await client(replicas[(i + 1) % 2]!);
      const res = await join(back, room, kept[i]!.last.get(room));
      expect(res.ok && res.recovered).toBe(true);
      const recovered = res.ok ? res.messages.map((m) => m.id) : [];
      const all = [...live[i]!, ...recovered];
      expect(new Set(all).size).toBe(all.length);
      for (const id of acked) expect(all).toContain(id);
    }
    await doomed!.stop();
  });
});
