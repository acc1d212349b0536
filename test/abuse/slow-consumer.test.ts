/**
 * The security review's "high": a WebSocket client that stops reading, answers pings blindly and
 * re-joins a filled room 15 times a second made the server queue a full history ack (~300 KB) each
 * time, ~10 MB/s per socket, until the replica died. With MAX_CLIENT_QUEUE_BYTES the connection is
 * closed as a slow consumer (close code 4008) and the replica's memory stays flat.
 *
 * The server runs as its own process (embedded mode) so its RSS is measured alone. Checked to fail
 * with the cap effectively off (MAX_CLIENT_QUEUE_BYTES at its 1 GiB maximum): RSS grew by > 64 MB.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReplica, type Replica } from "../harness/replica.js";
import { rawUpgrade, type RawWebSocket } from "../support/raw-websocket.js";
import { connectClient, join, nextEvent, sendChat, uniqueId, type ChatClient } from "../support/clients.js";

const ATTACK_MS = 12_000;
const ROOM = uniqueId("filled");
let replica: Replica;
const clients: ChatClient[] = [];
const attackers: RawWebSocket[] = [];

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

beforeAll(async () => {
  replica = await startReplica({
    env: { HISTORY_SIZE: "100", MESSAGE_MAX_LENGTH: "3200", RATE_LIMIT_PER_SEC: "1000", RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_IP_PER_SEC: "100000", RATE_LIMIT_PER_USER_PER_SEC: "100000", MAX_CLIENT_QUEUE_BYTES: process.env.SLOW_TEST_QUEUE_BYTES },
  });
  // Fill the room: 100 messages of 3,000 characters, so a join ack carries ~300 KB.
  const filler = await connectClient(replica.url);
  clients.push(filler);
  await join(filler, ROOM);
  for (let i = 0; i < 100; i++) expect((await sendChat(filler, ROOM, `${i} ${"w".repeat(3_000)}`)).ok).toBe(true);
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const a of attackers) a.socket.destroy();
  await replica?.stop();
});

/** A Socket.IO connection over a raw WebSocket that will stop reading. */
async function attacker(port: number): Promise<RawWebSocket> {
  const up = await rawUpgrade(port, { path: "/socket.io/?EIO=4&transport=websocket" });
  expect(up.status).toBe(101);
  const ws = up.ws!;
  attackers.push(ws);
  expect((await ws.next())?.payload.toString()).toMatch(/^0\{/); // engine.io open
  ws.send(1, "40"); // Socket.IO connect
  expect((await ws.next())?.payload.toString()).toMatch(/^40\{/);
  return ws;
}

it("closes clients that do not read as slow consumers; the replica's memory stays flat", async () => {
  const healthy = await connectClient(replica.url);
  clients.push(healthy);
  await join(healthy, ROOM);
  const a = await Promise.all([attacker(replica.port), attacker(replica.port)]);
  for (const ws of a) ws.socket.pause(); // stops reading; the kernel's buffers fill, then the server's

  const before = rssBytes(replica.pid);
  let peak = before;
  let ackId = 0;
  const started = Date.now();
  while (Date.now() - started < ATTACK_MS) {
    for (const ws of a) {
      if (ws.socket.destroyed) continue;
      // A re-join of the room it is in, with an ack, ~15 a second; and a blind pong now and then.
      ws.send(1, `42${ackId++}["room:join",{"room":"${ROOM}"}]`);
      if (ackId % 15 === 0) ws.send(1, "3");
    }
    await new Promise((r) => setTimeout(r, 66)); // the attack's pace
    peak = Math.max(peak, rssBytes(replica.pid));
  }
  const grown = peak - before;
  expect(grown, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MB`).toBeLessThan(64 * 2 ** 20);

  // Each attacker was closed with the slow-consumer code, after what it had been sent.
  const closeCodes = await Promise.all(
    a.map(async (ws) => {
      ws.socket.resume();
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
        const frame = await ws.next(deadline - Date.now()).catch(() => undefined);
        if (!frame) return ws.socket.destroyed ? "closed without a close frame" : "still open";
        if (frame.opcode === 8) return frame.payload.readUInt16BE(0);
      }
      return "still open";
    }),
  );
  expect(closeCodes).toEqual([4008, 4008]);

  // The healthy viewer in the same room never noticed.
  expect(healthy.connected).toBe(true);
  const sender = await connectClient(replica.url);
  clients.push(sender);
  await join(sender, ROOM);
  const got = nextEvent(healthy, "chat:message", (m) => m.text === "after the attack");
  expect((await sendChat(sender, ROOM, "after the attack")).ok).toBe(true);
  await got;
}, 60_000);
