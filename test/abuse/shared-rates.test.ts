/**
 * Limits across connections (issue #11): rates were per connection only, so 60 sockets from one
 * IP pushed ~270 messages/s into one room, and one user's many sockets multiplied its rate.
 */
import { afterEach, expect, it } from "vitest";
import { mintToken } from "../../src/auth/token.js";
import { connectClient, join, record, sendChat, uniqueId, until, type ChatClient } from "../support/clients.js";
import { startEmbedded, TEST_SECRET, type EmbeddedServer } from "../support/embedded-server.js";

const open: { servers: EmbeddedServer[]; clients: ChatClient[] } = { servers: [], clients: [] };
afterEach(async () => {
  for (const c of open.clients.splice(0)) c.close();
  await Promise.all(open.servers.splice(0).map((s) => s.close()));
});

async function clients(url: string, n: number, options: Parameters<typeof connectClient>[1] = {}): Promise<ChatClient[]> {
  const made = await Promise.all(Array.from({ length: n }, () => connectClient(url, options)));
  open.clients.push(...made);
  return made;
}

/** Every sender sends at its own per-connection rate (5/s) for `ms`; returns the ok acks. */
async function sendAtConnectionRate(senders: ChatClient[], room: string, ms: number): Promise<number> {
  let ok = 0;
  const end = Date.now() + ms;
  await Promise.all(
    senders.map(async (s, i) => {
      for (let n = 0; Date.now() < end; n++) {
        const res = await sendChat(s, room, `from ${i} #${n}`);
        if (res.ok) ok++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
  return ok;
}

it("lets one IP's 60 sockets put at most RATE_LIMIT_PER_IP_PER_SEC messages a second into a room", async () => {
  const perIp = 60;
  const srv = await startEmbedded({ abuse: { perIpPerSec: perIp } });
  open.servers.push(srv);
  const room = uniqueId("ip-rate");
  const [watcher] = await clients(srv.url, 1, { localAddress: "127.0.0.2" });
  const seen = record(watcher!, "chat:message");
  expect((await join(watcher!, room)).ok).toBe(true);
  const senders = await clients(srv.url, 60, { localAddress: "127.0.0.1" });
  await Promise.all(senders.map((s) => join(s, room)));

  const seconds = 3;
  const t0 = Date.now();
  const accepted = await sendAtConnectionRate(senders, room, seconds * 1000);
  const elapsed = (Date.now() - t0) / 1000;
  await until(() => seen.length >= accepted, 5_000, "the accepted messages");
  // One second's burst, then the rate.
  const allowed = perIp + perIp * elapsed;
  console.log(`60 sockets from one IP: ${accepted} messages accepted in ${elapsed.toFixed(1)} s (${(accepted / elapsed).toFixed(0)}/s, limit ${perIp}/s + burst ${perIp}); watcher saw ${seen.length}`);
  expect(accepted).toBeLessThanOrEqual(allowed);
  expect(seen.length).toBe(accepted);
  // Another address is not held back by this one.
  expect((await sendChat(watcher!, room, "another address")).ok).toBe(true);
});

it("limits one user's messages across its connections (RATE_LIMIT_PER_USER_PER_SEC)", async () => {
  const perUser = 4;
  const srv = await startEmbedded({ abuse: { perUserPerSec: perUser } });
  open.servers.push(srv);
  const room = uniqueId("user-rate");
  const token = await mintToken({ sub: "many-tabs", name: "Tabs", role: "viewer" }, TEST_SECRET);
  const tabs = await clients(srv.url, 5, { auth: { token } });
  await Promise.all(tabs.map((s) => join(s, room)));
  const t0 = Date.now();
  const accepted = await sendAtConnectionRate(tabs, room, 2_000);
  const elapsed = (Date.now() - t0) / 1000;
  console.log(`one user on 5 sockets: ${accepted} accepted in ${elapsed.toFixed(1)} s (limit ${perUser}/s + burst ${perUser * 2})`);
  expect(accepted).toBeLessThanOrEqual(perUser * 2 + perUser * elapsed);
  const [other] = await clients(srv.url, 1, { auth: { token: await mintToken({ sub: "someone-else", name: "Else", role: "viewer" }, TEST_SECRET) } });
  expect((await join(other!, room)).ok).toBe(true);
  expect((await sendChat(other!, room, "not held back")).ok).toBe(true);
});
