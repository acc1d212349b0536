/**
 * Invisible names and texts (issue #11): names or messages made only of zero-width characters,
 * bidi controls or blanks passed `trim()` and showed as nothing.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { mintToken } from "../../src/auth/token.js";
import { BAD_NAME } from "../../src/auth/handshake.js";
import { ErrorCode, UNAUTHORIZED } from "../../src/protocol/index.js";
import { connectClient, join, sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { startEmbedded, TEST_SECRET, type EmbeddedServer } from "../support/embedded-server.js";

const INVISIBLE = [
  ["zero-width space, joiner, non-joiner", "\u200B\u200D\u200C"],
  ["bidi marks, override and isolates", "\u200E\u200F\u202E\u2066\u2069"],
  ["BOM, word joiner and whitespace", "\uFEFF \u2060\u3000"],
  ["Hangul filler and blank braille", "\u3164\u2800"],
  ["combining marks alone", "\u0301\u0308\u0338"],
] as const;

let srv: EmbeddedServer;
let viewer: ChatClient;
const room = uniqueId("visible");
beforeAll(async () => {
  srv = await startEmbedded({ ratePerSec: 1_000, rateBurst: 1_000 });
  viewer = await connectClient(srv.url);
  await join(viewer, room);
});
afterAll(async () => {
  viewer?.close();
  await srv.close();
});

it.each(INVISIBLE)("refuses a message of only %s", async (_what, text) => {
  expect(await sendChat(viewer, room, text)).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest, message: expect.stringContaining("visible") } });
});

it.each(INVISIBLE)("refuses a display name of only %s, as a handshake name and in a token", async (_what, name) => {
  await expect(connectClient(srv.url, { auth: { name } })).rejects.toThrow(BAD_NAME);
  const token = await mintToken({ sub: uniqueId("u"), name, role: "viewer" }, TEST_SECRET);
  await expect(connectClient(srv.url, { auth: { token } })).rejects.toThrow(UNAUTHORIZED);
});

it("accepts names and texts with a visible character among such characters", async () => {
  const named = await connectClient(srv.url, { auth: { name: "\u200BAda\u200E" } });
  try {
    await join(named, room);
    expect((await sendChat(named, room, "e\u0301 \u2066ok\u2069 ❤️")).ok).toBe(true);
  } finally {
    named.close();
  }
});
