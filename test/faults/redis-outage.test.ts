/**
 * Issue "durable history", done-when: with Redis stopped, sends ack `unavailable` and the process
 * stays up; after Redis returns, sends work again without a restart. Runs against a standalone
 * Redis 7 of its own (REDIS_URL mode), which the test can stop and start at will.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/index.js";
import { killOnExit } from "../harness/exit-cleanup.js";
import { freePort } from "../harness/free-port.js";
import { redisCli } from "../harness/redis-cli.js";
import { startReplicas, type Replica } from "../harness/replica.js";
import { connectClient, join, nextEvent, sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { FAST, TEST_SECRET } from "../support/embedded-server.js";

let port: number;
let redis: ChildProcess | undefined;
let replicas: Replica[] = [];
const clients: ChatClient[] = [];

async function startRedis(): Promise<void> {
  redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  killOnExit(redis);
  const start = Date.now();
  for (;;) {
    try {
      if ((await redisCli(port, ["PING"])).trim() === "PONG") return;
    } catch {
      // not up yet
    }
    if (Date.now() - start > 10_000) throw new Error("redis did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopRedis(): Promise<void> {
  const proc = redis;
  redis = undefined;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGKILL");
  await exited;
}

async function httpStatus(url: string): Promise<number> {
  return (await fetch(url)).status;
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  replicas = await startReplicas(2, { env: { REDIS_URL: `redis://127.0.0.1:${port}`, AUTH_SECRET: TEST_SECRET, ...FAST } });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(replicas.map((r) => r.stop()));
  await stopRedis();
});

it("acks unavailable while Redis is down, stays up, and works again when it returns", async () => {
  const room = uniqueId("outage");
  const a = await connectClient(replicas[0]!.url);
  const b = await connectClient(replicas[1]!.url);
  clients.push(a, b);
  await join(a, room);
  await join(b, room);
  expect(await httpStatus(`${replicas[0]!.url}/readyz`)).toBe(200);

  await stopRedis();
  const clientId = uniqueId("during");
  const started = Date.now();
  const during = await sendChat(a, room, "while down", { clientId });
  expect(during).toMatchObject({ ok: false, error: { code: ErrorCode.Unavailable } });
  expect(Date.now() - started).toBeLessThan(5_000);
  expect((await join(b, uniqueId("other"))).ok).toBe(false);
  expect(await httpStatus(`${replicas[0]!.url}/healthz`)).toBe(200);
  expect(await httpStatus(`${replicas[0]!.url}/readyz`)).toBe(503);

  await startRedis();
  // Same clientId: the client's retry after `unavailable`.
  let retry = await sendChat(a, room, "while down", { clientId });
  const deadline = Date.now() + 20_000;
  while (!retry.ok && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    retry = await sendChat(a, room, "while down", { clientId });
  }
  expect(retry.ok).toBe(true);
  // Broadcasts flow again: the subscriber came back and re-subscribed the room's channel.
  let delivered = false;
  for (let i = 0; i < 40 && !delivered; i++) {
    const next = nextEvent(b, "chat:message", (m) => m.text === `back ${i}`, 500);
    await sendChat(a, room, `back ${i}`);
    delivered = await next.then(() => true, () => false);
  }
  expect(delivered).toBe(true);
  // Ready again: /readyz pings Redis with a 1 s deadline, which a starved machine can miss once.
  let ready = await httpStatus(`${replicas[0]!.url}/readyz`);
  for (let i = 0; i < 20 && ready !== 200; i++) {
    await new Promise((r) => setTimeout(r, 250));
    ready = await httpStatus(`${replicas[0]!.url}/readyz`);
  }
  expect(ready).toBe(200);
  // Every replica lived through the outage and still serves (a crash-and-restart would have failed this).
  for (const r of replicas) {
    expect(r.running(), `replica ${r.replicaId} exited during the outage\n${r.output.tail()}`).toBe(true);
    expect(await httpStatus(`${r.url}/healthz`)).toBe(200);
  }
});
