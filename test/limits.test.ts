/** Connection-level limits: rooms per socket, connections per IP, floods, CORS, draining. */
import { afterEach, expect, it } from "vitest";
import { ErrorCode } from "../src/protocol/index.js";
import { call, connectClient, join, sendChat, uniqueId, type ChatClient } from "./support/clients.js";
import { startEmbedded, type EmbeddedServer } from "./support/embedded-server.js";

const open: { servers: EmbeddedServer[]; clients: ChatClient[] } = { servers: [], clients: [] };
async function server(options: Parameters<typeof startEmbedded>[0]): Promise<EmbeddedServer> {
  const s = await startEmbedded(options);
  open.servers.push(s);
  return s;
}
async function client(url: string): Promise<ChatClient> {
  const c = await connectClient(url);
  open.clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of open.clients.splice(0)) c.close();
  await Promise.all(open.servers.splice(0).map((s) => s.close()));
});

it("caps the rooms one connection may be in", async () => {
  const srv = await server({ maxRoomsPerSocket: 2 });
  const c = await client(srv.url);
  expect((await join(c, "a")).ok).toBe(true);
  expect((await join(c, "b")).ok).toBe(true);
  expect(await join(c, "c")).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
  expect((await join(c, "a")).ok).toBe(true); // re-joining a room it is in is fine
  await call(c, "room:leave", { room: "b" });
  expect((await join(c, "c")).ok).toBe(true);
});

it("caps concurrent connections per IP and frees the slot on disconnect", async () => {
  const srv = await server({ maxConnectionsPerIp: 2 });
  const a = await client(srv.url);
  await client(srv.url);
  await expect(connectClient(srv.url)).rejects.toThrow();
  a.close();
  // The slot frees when the server sees the close: retry until it has, rather than guess a delay.
  for (const deadline = Date.now() + 5_000; ; ) {
    const ok = await client(srv.url).then(() => true, (err: unknown) => (Date.now() < deadline ? false : Promise.reject(err)));
    if (ok) break;
  }
});

it("disconnects a client that keeps flooding after being rate limited; others are unaffected", async () => {
  const srv = await server({ ratePerSec: 1, rateBurst: 1, flood: { maxRefusals: 5, windowMs: 10_000 } });
  const room = uniqueId("flood");
  const flooder = await client(srv.url);
  const calm = await client(srv.url);
  await join(flooder, room);
  await join(calm, room);
  const gone = new Promise<string>((resolve) => flooder.once("disconnect", resolve));
  for (let i = 0; i < 10; i++) flooder.emit("chat:send", { room, text: `spam ${i}`, kind: "chat", clientId: `f${i}` }, () => undefined);
  expect(await gone).toBe("io server disconnect");
  expect((await sendChat(calm, room, "I am fine")).ok).toBe(true);
});

it("allows only the configured CORS origins", async () => {
  const srv = await server({ corsOrigins: ["https://player.example"] });
  const poll = (origin: string) => fetch(`${srv.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
  expect((await poll("https://player.example")).headers.get("access-control-allow-origin")).toBe("https://player.example");
  expect((await poll("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
});

it("refuses new connections and reports not ready while draining", async () => {
  const srv = await server({});
  const c = await client(srv.url);
  const closing = srv.server.close({ delayMs: 500, spreadMs: 0 }); // marks the server draining at once
  expect((await fetch(`${srv.url}/readyz`)).status).toBe(503);
  await expect(connectClient(srv.url)).rejects.toThrow();
  const moved = new Promise<string>((resolve) => c.once("disconnect", resolve));
  await closing;
  expect(await moved).toBe("transport close"); // a client reconnects by itself after this
  open.servers.splice(0); // already closed
  await srv.store.close();
});
