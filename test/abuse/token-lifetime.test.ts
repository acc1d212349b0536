/**
 * Token lifetime (issue #11): tokens without `exp` (or with exp: 1e300) lived forever, and a
 * streamer's open socket kept its rights after its token expired.
 */
import { SignJWT } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mintToken } from "../../src/auth/token.js";
import { ErrorCode, UNAUTHORIZED } from "../../src/protocol/index.js";
import { call, connectClient, join, uniqueId, type ChatClient } from "../support/clients.js";
import { startEmbedded, TEST_SECRET, type EmbeddedServer } from "../support/embedded-server.js";

let srv: EmbeddedServer;
const clients: ChatClient[] = [];
beforeAll(async () => {
  srv = await startEmbedded({ tokenMaxTtlSec: 3_600 });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.close();
});

function sign(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ name: "Mallory", role: "streamer", rooms: ["r"], ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("mallory")
    .sign(new TextEncoder().encode(TEST_SECRET));
}

it.each([
  ["without exp", () => sign({})],
  ["with exp 1e300", () => sign({ exp: 1e300 })],
  ["with exp beyond TOKEN_MAX_TTL_SEC", () => sign({ exp: Math.floor(Date.now() / 1000) + 3_700 })],
])("refuses a token %s with connect_error unauthorized", async (_what, make) => {
  await expect(connectClient(srv.url, { auth: { token: await make() } })).rejects.toThrow(UNAUTHORIZED);
});

it("accepts a token within TOKEN_MAX_TTL_SEC", async () => {
  const c = await connectClient(srv.url, { auth: { token: await sign({ exp: Math.floor(Date.now() / 1000) + 3_500 }) } });
  clients.push(c);
  expect(c.connected).toBe(true);
});

it("takes a streamer's rights away at exp, on the socket it already has open", async () => {
  const room = uniqueId("expiring");
  const token = await mintToken({ sub: "brief", name: "Brief", role: "streamer", rooms: [room], ttlSec: 2 }, TEST_SECRET);
  const streamer = await connectClient(srv.url, { auth: { token } });
  clients.push(streamer);
  expect((await join(streamer, room)).ok).toBe(true);
  expect(await call(streamer, "notice:send", { room, text: "still valid", clientId: uniqueId() })).toMatchObject({ ok: true });
  // exp is in whole seconds: wait until it has certainly passed.
  await new Promise((r) => setTimeout(r, 3_100));
  const refused = { ok: false, error: { code: ErrorCode.Forbidden, message: expect.stringContaining("expired") } };
  expect(await call(streamer, "notice:send", { room, text: "too late", clientId: uniqueId() })).toMatchObject(refused);
  expect(await call(streamer, "user:mute", { room, userId: "someone", durationSec: 60 })).toMatchObject(refused);
  expect(await call(streamer, "chat:clear", { room })).toMatchObject(refused);
});
