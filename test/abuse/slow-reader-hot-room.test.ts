/**
 * A slow reader in a hot room (issue #11): it grows the replica's memory like a re-join loop, only
 * more slowly. With the `ws` engine here (slow-consumer.test.ts runs the default lean one): the
 * stalled reader is closed as a slow consumer, the viewers that read are never.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { SLOW_CONSUMER_CLOSE_CODE } from "../../src/engine/client-queue-limit.js";
import { startReplica, type Replica } from "../harness/replica.js";
import { connectClient, join, record, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { FAST } from "../support/embedded-server.js";
import { RawSocketIo } from "../support/raw-socket-io.js";

/** About 3 KB on the wire: JSON escapes each control character as \u0001. */
const HEAVY_TEXT = `x${"\u0001".repeat(499)}`;
let replica: Replica;
const clients: ChatClient[] = [];
beforeAll(async () => {
  replica = await startReplica({ env: { ...FAST, WS_ENGINE: "ws" } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await replica?.stop();
});

async function slowConsumers(): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  return Number(/^chat_slow_consumers_total (\d+)/m.exec(text)?.[1] ?? 0);
}

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
  while ((await slowConsumers()) === 0 && Date.now() < deadline) {
    await Promise.all(Array.from({ length: 100 }, () => sendChat(sender, room, HEAVY_TEXT)));
    sent += 100;
  }
  console.log(`hot room: the stalled reader was closed after ${sent} messages (~${((sent * HEAVY_TEXT.length * 6) / 1e6).toFixed(0)} MB sent to it)`);
  expect(await slowConsumers()).toBe(1);
  await until(() => seen.every((s) => s.length === sent), 10_000, "every message at every reading viewer");
  expect(drops).toEqual([0, 0, 0]);
  stalled.resumeReading();
  expect(await stalled.closed).toBe(SLOW_CONSUMER_CLOSE_CODE);
}, 30_000);
