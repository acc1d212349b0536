/**
 * Packets that skipped every bucket (issue #11, "every client packet is charged"): Socket.IO acks
 * from a client (this server never asks a client for one) were ignored, and CONNECTs to other
 * namespaces were each answered with a CONNECT_ERROR, both at any rate and without any charge. No
 * client of this server sends either: the first one closes the connection. Binary acks, connect
 * errors and events for other namespaces already closed it (through Socket.IO's own checks); they
 * are kept here so that stays so.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectClient, join, sendChat, uniqueId } from "../support/clients.js";
import { startEmbedded, type EmbeddedServer } from "../support/embedded-server.js";
import { RawSocketIo } from "../support/raw-socket-io.js";

let srv: EmbeddedServer;
beforeAll(async () => {
  srv = await startEmbedded({});
});
afterAll(async () => {
  await srv.close();
});

/** Resolves with the close code, or "open" if the connection is still open after `ms`. */
function closedWithin(client: RawSocketIo, ms = 2_000): Promise<number | "open"> {
  return Promise.race([client.closed, new Promise<"open">((r) => setTimeout(() => r("open"), ms))]);
}

it.each([
  ["acks (type 3)", (i: number) => `43${i}[{"ok":true}]`],
  ["binary acks (type 6)", (i: number) => `461-${i}[{"_placeholder":true,"num":0}]`],
  ["connect errors (type 4)", () => `44{"message":"x"}`],
  ["CONNECTs to other namespaces", (i: number) => `40/admin${i},`],
  ["events to other namespaces", (i: number) => `42/admin,["chat:send",{"room":"r","text":"x${i}"}]`],
])("closes a connection that sends %s, at the first one", async (_what, packet) => {
  const attacker = await RawSocketIo.connect(srv.url);
  attacker.packets.length = 0;
  for (let i = 0; i < 2_000; i++) attacker.ws.send(packet(i));
  expect(await closedWithin(attacker)).not.toBe("open");
  // Nothing was answered: no CONNECT_ERROR per packet.
  expect(attacker.packets.filter((p) => p.startsWith("44"))).toHaveLength(0);
});

it("serves socket.io-client as before (main namespace, acks asked by the client)", async () => {
  const c = await connectClient(srv.url);
  try {
    const room = uniqueId("types");
    expect((await join(c, room)).ok).toBe(true);
    expect((await sendChat(c, room, "hello")).ok).toBe(true);
  } finally {
    c.close();
  }
});
