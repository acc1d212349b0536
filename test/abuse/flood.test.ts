/**
 * Packet floods (issue #11): events sent without an ack were dropped before any bucket was charged,
 * so one socket could push hundreds of thousands of packets a second and never be disconnected;
 * and a flood-disconnected client could reconnect at once with full buckets.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReplica, type Replica } from "../harness/replica.js";
import { RawSocketIo } from "../support/raw-socket-io.js";

let replica: Replica;
beforeAll(async () => {
  // A process of its own: /healthz is timed from this one, which is busy flooding.
  replica = await startReplica({ env: { FLOOD_PENALTY_SEC: "3" } });
});
afterAll(async () => {
  await replica?.stop();
});

/** Times /healthz every 50 ms until `stop()`; returns the slowest answer in ms. */
function probeHealth(url: string): { stop(): Promise<number> } {
  let running = true;
  let worst = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return worst;
    },
  };
}

it("cuts off a flood of packets without acks within seconds, /healthz staying fast, and refuses the address for a while", async () => {
  const attacker = await RawSocketIo.connect(replica.url);
  const health = probeHealth(replica.url);
  const started = Date.now();
  let sent = 0;
  // As fast as the socket drains, for at most 8 s: never asks for an ack.
  while (attacker.isOpen && Date.now() - started < 8_000) {
    if (attacker.ws.bufferedAmount < 256 * 1024) {
      for (let i = 0; i < 200; i++) attacker.emit(i % 2 ? "room:join" : "chat:send", { room: "flood", text: "x", kind: "chat", clientId: `f${sent++}` });
    }
    await new Promise((r) => setImmediate(r));
  }
  const cutOffAfter = Date.now() - started;
  const worst = await health.stop();
  attacker.close();
  console.log(`no-ack flood: ${sent} packets sent, cut off after ${cutOffAfter} ms, slowest /healthz ${worst.toFixed(0)} ms`);
  expect(cutOffAfter).toBeLessThan(3_000);
  expect(worst).toBeLessThan(250);

  // Reconnecting at once does not start over with full buckets.
  await expect(RawSocketIo.connect(replica.url)).rejects.toMatchObject({ message: expect.stringMatching(/^rate_limited/), data: { data: { retryAfterMs: expect.any(Number) } } });
  // The penalty ends (3 s here).
  await new Promise((r) => setTimeout(r, 3_000));
  const back = await RawSocketIo.connect(replica.url);
  expect(back.isOpen).toBe(true);
  back.close();
});
