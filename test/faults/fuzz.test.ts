/**
 * Issue "hardening", fault (c): thousands of malformed events from many sockets. The replica stays
 * up, its memory stays bounded, and every call that asked for an ack gets an error ack.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { ErrorCode, isRoomId } from "../../src/protocol/index.js";
import { startReplica, type Replica } from "../harness/replica.js";
import { connectClient, join, sendChat, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let replica: Replica;
const sockets: ChatClient[] = [];
const CODES = new Set<string>(Object.values(ErrorCode));

/** Deterministic PRNG (mulberry32): a failure replays with the same seed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0);
}

const EVENTS = ["room:join", "room:leave", "chat:send", "notice:send", "chat:delete", "user:mute", "chat:shout", "", "constructor", "__proto__", "x".repeat(300)];

/** A payload that no handler may accept from a socket that joined nothing and has no token. */
function garbage(r: () => number): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const deep = (depth: number): unknown => (depth === 0 ? "leaf" : { room: deep(depth - 1) });
  const badRoom = () => pick<unknown>([42, null, "", "has space", "a".repeat(65), "../x", "é", { r: 1 }, ["r"], true]);
  return pick<() => unknown>([
    () => undefined,
    () => null,
    () => Math.floor(r() * 1e9),
    () => "string payload",
    () => [1, "two", { three: 3 }],
    () => Buffer.from([0, 1, 2, 255]),
    () => new Uint8Array(64),
    () => deep(1 + Math.floor(r() * 400)),
    () => ({ room: badRoom(), text: "hi", kind: "chat", clientId: "c" }),
    () => ({ room: "fuzz", text: pick<unknown>([1, "", "   ", { t: 1 }, "y".repeat(12_000)]), kind: "chat", clientId: "c" }),
    () => ({ room: "fuzz", text: "hi", kind: pick<unknown>(["shout", 1, null, "Chat"]), clientId: "c" }),
    () => ({ room: "fuzz", text: "hi", kind: "chat", clientId: pick<unknown>(["", 5, "z".repeat(200)]) }),
    () => ({ room: "fuzz", text: "valid shape but not joined", kind: "question", clientId: `c${r()}` }),
    () => ({ room: "fuzz", since: pick<unknown>([1, {}, "s".repeat(100)]) }),
    () => ({ room: "fuzz", id: pick<unknown>([1, "", "x".repeat(100)]), userId: 3, durationSec: -1 }),
    () => ({ __proto__: { polluted: true }, room: badRoom() }),
  ])();
}

beforeAll(async () => {
  replica = await startReplica({
    env: { REDIS_CLUSTER_NODES: inject("redisCluster").seeds, AUTH_SECRET: TEST_SECRET, ...FAST },
  });
});

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  await replica?.stop();
});

it("answers every acked garbage call with an error ack and stays up with bounded memory", { timeout: 120_000 }, async () => {
  const rssBefore = rssKb(replica.pid);
  const SOCKETS = 20;
  const CALLS = 150; // per socket: 3,000 calls with an ack, plus unacked ones
  const clients = await Promise.all(Array.from({ length: SOCKETS }, () => connectClient(replica.url)));
  sockets.push(...clients);
  const results = await Promise.all(
    clients.map(async (c, ci) => {
      const r = rng(1234 + ci);
      const acks: Promise<unknown>[] = [];
      for (let i = 0; i < CALLS; i++) {
        const event = EVENTS[Math.floor(r() * EVENTS.length)]!;
        const payload = garbage(r);
        // A well-formed join or leave of a valid room is not garbage: keep this socket in no room.
        if ((event === "room:join" || event === "room:leave") && isRoomId((payload as { room?: unknown })?.room)) continue;
        const raw = c as unknown as {
          emit(ev: string, ...a: unknown[]): void;
          timeout(ms: number): { emitWithAck(ev: string, ...a: unknown[]): Promise<unknown> };
        };
        if (r() < 0.2) raw.emit(event, payload); // no ack: must be dropped silently
        const desc = `${event.slice(0, 20)} ${JSON.stringify(payload)?.slice(0, 80)}`;
        acks.push(raw.timeout(20_000).emitWithAck(event, payload).catch((err: Error) => ({ timeout: err.message, desc, connected: c.connected })));
      }
      return Promise.all(acks);
    }),
  );
  const all = results.flat() as { ok?: boolean; error?: { code?: string; message?: string } }[];
  expect(all.length).toBeGreaterThan(SOCKETS * CALLS * 0.8);
  const bad = all.filter((a) => a.ok !== false || !CODES.has(a.error?.code ?? "") || typeof a.error?.message !== "string");
  expect(bad.slice(0, 5)).toEqual([]);

  // Still serving: a normal client chats, /healthz answers, nobody crashed.
  const fine = await connectClient(replica.url);
  sockets.push(fine);
  expect((await join(fine, "after-fuzz")).ok).toBe(true);
  expect((await sendChat(fine, "after-fuzz", "still here")).ok).toBe(true);
  expect((await fetch(`${replica.url}/healthz`)).status).toBe(200);
  for (const c of clients) c.close();
  const grownMb = (rssKb(replica.pid) - rssBefore) / 1024;
  expect(grownMb).toBeLessThan(150);
});

it("drops a connection whose packet is over maxHttpBufferSize, and only that one", async () => {
  const big = await connectClient(replica.url);
  const other = await connectClient(replica.url);
  sockets.push(big, other);
  const closed = new Promise<string>((resolve) => big.once("disconnect", (reason) => resolve(reason)));
  big.emit("chat:send", { room: "x", text: "z".repeat(200_000), kind: "chat", clientId: "big" } as never, () => undefined);
  expect(await closed).toBe("transport close");
  expect((await join(other, "still-ok")).ok).toBe(true);
  expect((await fetch(`${replica.url}/healthz`)).status).toBe(200);
});
