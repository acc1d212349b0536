/**
 * Slow consumers (issue #11, High): a WebSocket client that stops reading, answers pings blindly
 * and re-joins a full room 15 times a second made the server queue a whole history ack (~300 KB
 * for a 60-byte request) each time, ~10 MB/s per socket, until the replica ran out of memory.
 * Slow readers in a hot room grow memory the same way, more slowly.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REJOIN_PAGE } from "../../src/chat/room-handlers.js";
import { startReplica, type Replica } from "../harness/replica.js";
import { connectClient, join, record, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { RawSocketIo } from "../support/raw-socket-io.js";

/** A message that JSON makes six times longer: control characters are escaped as \u0001. */
const HEAVY_TEXT = `x${"\u0001".repeat(499)}`;
/** Senders here are the test's own: their rates are not what is tested. */
const UNLIMITED = { RATE_LIMIT_PER_SEC: "10000", RATE_LIMIT_BURST: "10000", RATE_LIMIT_PER_IP_PER_SEC: "100000", RATE_LIMIT_PER_USER_PER_SEC: "100000" };

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? 0);
}

/** Fills `room`'s history (100 entries) with heavy messages; returns the first id. */
async function fillRoom(url: string, room: string, count = 100): Promise<string> {
  const writer = await connectClient(url);
  try {
    await join(writer, room);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await sendChat(writer, room, HEAVY_TEXT);
      if (!res.ok) throw new Error(`fill failed: ${JSON.stringify(res)}`);
      ids.push(res.id);
    }
    return ids[0]!;
  } finally {
    writer.close();
  }
}

describe("re-joining slow readers (lean WebSocket engine)", () => {
  let replica: Replica;
  beforeAll(async () => {
    replica = await startReplica({ env: { ...UNLIMITED, WS_ENGINE: "lean", NODE_OPTIONS: "--max-old-space-size=256" } });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("keeps RSS growth under 64 MB over 12 s and closes both attackers as slow consumers", async () => {
    const room = uniqueId("full");
    const firstId = await fillRoom(replica.url, room);
    const attackers = await Promise.all([RawSocketIo.connect(replica.url), RawSocketIo.connect(replica.url)]);
    for (const a of attackers) {
      const first = await a.call<{ ok: boolean; messages: unknown[] }>("room:join", { room });
      expect(first.messages).toHaveLength(100);
      // Re-joining a room it is in without `since` is cheap: a page, not the whole history again.
      expect((await a.call<{ messages: unknown[] }>("room:join", { room })).messages).toHaveLength(REJOIN_PAGE);
      a.pauseReading();
    }
    const before = rssMb(replica.pid);
    let peak = before;
    const started = Date.now();
    // 15 re-joins a second each: one without `since`, one with the oldest id (every entry after it).
    while (Date.now() - started < 12_000) {
      attackers[0]!.request("room:join", { room });
      attackers[1]!.request("room:join", { room, since: firstId });
      peak = Math.max(peak, rssMb(replica.pid));
      await new Promise((r) => setTimeout(r, 1000 / 15));
    }
    const closed = await metric(replica.url, "chat_slow_consumers_total");
    console.log(`2 slow re-joining readers for 12 s: RSS ${before.toFixed(0)} MB -> peak ${peak.toFixed(0)} MB (+${(peak - before).toFixed(0)} MB); slow consumers closed: ${closed}`);
    expect(replica.running()).toBe(true);
    expect(peak - before).toBeLessThan(64);
    expect(closed).toBeGreaterThanOrEqual(2);
    // What a client that reads again sees: what was queued before the cap, the reason, the close.
    const a = attackers[0]!;
    a.resumeReading();
    expect(await a.closed).toBe(1008);
    expect(a.packets.at(-1)).toBe('42["connection:closed",{"reason":"slow_consumer"}]');
  }, 30_000);
});

describe("a slow reader in a hot room (ws engine)", () => {
  let replica: Replica;
  const clients: ChatClient[] = [];
  beforeAll(async () => {
    replica = await startReplica({ env: { ...UNLIMITED, WS_ENGINE: "ws", MAX_CLIENT_QUEUE_BYTES: "1048576" } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await replica?.stop();
  });

  it("closes the reader that stopped, never the viewers that read", async () => {
    const room = uniqueId("hot");
    const viewers = await Promise.all([0, 1, 2].map(() => connectClient(replica.url)));
    clients.push(...viewers);
    const seen = viewers.map((v) => record(v, "chat:message"));
    const drops = viewers.map(() => 0);
    viewers.forEach((v, i) => v.on("disconnect", () => (drops[i] = drops[i]! + 1)));
    for (const v of viewers) await join(v, room);
    const stalled = await RawSocketIo.connect(replica.url);
    await stalled.call("room:join", { room });
    stalled.pauseReading();
    const sender = await connectClient(replica.url);
    clients.push(sender);
    await join(sender, room);

    // Until the stalled reader is closed: the kernel's socket buffers take a few MB first.
    let sent = 0;
    const deadline = Date.now() + 20_000;
    while ((await metric(replica.url, "chat_slow_consumers_total")) === 0 && Date.now() < deadline) {
      await Promise.all(Array.from({ length: 100 }, () => sendChat(sender, room, HEAVY_TEXT)));
      sent += 100;
    }
    console.log(`hot room: slow reader closed after ${sent} messages (~${((sent * HEAVY_TEXT.length * 6) / 1e6).toFixed(0)} MB sent to it)`);
    expect(await metric(replica.url, "chat_slow_consumers_total")).toBe(1);
    await until(() => seen.every((s) => s.length === sent), 10_000, "every message at every reading viewer");
    expect(drops).toEqual([0, 0, 0]);
    stalled.resumeReading();
    expect(await stalled.closed).toBe(1008);
  }, 30_000);
});
