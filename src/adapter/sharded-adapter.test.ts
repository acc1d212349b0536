/**
 * The patched sharded adapter's join wait, with a subscriber whose SSUBSCRIBE answers only when
 * the test says: a join must not be acked (and history not read) before live delivery started.
 */
import { afterEach, expect, it } from "vitest";
import { pino } from "pino";
import { embeddedBackend } from "../runtime.js";
import { createChatServer, type ChatServer } from "../server.js";
import { connectClient, join, type ChatClient } from "../../test/support/clients.js";
import { createChatShardedAdapter } from "./sharded-adapter.js";

const open: { server?: ChatServer; client?: ChatClient } = {};
afterEach(async () => {
  open.client?.close();
  await open.server?.close();
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

async function serverWith(subscribe: (channel: string) => Promise<void>) {
  const pub = { sPublish: async () => 0 };
  const sub = { sSubscribe: (channel: string) => subscribe(channel), sUnsubscribe: async () => undefined };
  const { store, bus, presence } = embeddedBackend();
  const server = createChatServer(
    {},
    { logger: pino({ level: "silent" }), store, bus, presence, replicaId: "t", adapter: createChatShardedAdapter(pub, sub, { bus }) as never },
  );
  open.server = server;
  const port = await server.listen(0, "127.0.0.1");
  open.client = await connectClient(`http://127.0.0.1:${port}`);
  return open.client;
}

it("acks a join only after the room's channel subscription is confirmed", async () => {
  const pending = deferred();
  const c = await serverWith((channel) => (channel.endsWith("#lobby#") ? pending.promise : Promise.resolve()));
  let acked = false;
  const ack = join(c, "lobby").then((res) => {
    acked = true;
    return res;
  });
  await new Promise((r) => setTimeout(r, 300)); // a negative check needs a window: no ack while the SSUBSCRIBE is pending
  expect(acked).toBe(false);
  pending.resolve();
  expect((await ack).ok).toBe(true);
});

it("retries a refused subscription once per join, failing the join with unavailable meanwhile", async () => {
  let attempts = 0;
  const c = await serverWith((channel) => {
    if (!channel.endsWith("#lobby#")) return Promise.resolve();
    attempts++;
    return attempts <= 2 ? Promise.reject(new Error("CLUSTERDOWN")) : Promise.resolve();
  });
  // The room's first subscription and the join's own retry are both refused.
  expect(await join(c, "lobby")).toMatchObject({ ok: false, error: { code: "unavailable" } });
  expect(attempts).toBe(2);
  // The next join subscribes again, and it works.
  expect((await join(c, "lobby")).ok).toBe(true);
  expect(attempts).toBe(3);
});
