/** Streamer moderation (server additions): chat:delete -> chat:deleted, and user:mute. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { mintToken } from "../src/auth/token.js";
import { ErrorCode } from "../src/protocol/index.js";
import { call, join, nextEvent, sendChat, uniqueId } from "./support/clients.js";
import { TEST_SECRET, startEmbedded, type EmbeddedServer } from "./support/embedded-server.js";
import { useClients } from "./support/use-clients.js";

let srv: EmbeddedServer;
const client = useClients(() => srv.url);
const streamerOf = (room: string) => mintToken({ sub: "mod", name: "Mod", role: "streamer", rooms: [room] }, TEST_SECRET);

beforeAll(async () => {
  srv = await startEmbedded();
});
afterAll(async () => {
  await srv.close();
});

it("lets the room's streamer delete a message: removed from history, chat:deleted to the room", async () => {
  const room = uniqueId("mod");
  const streamer = await client({ token: await streamerOf(room) });
  const viewer = await client();
  const other = await client();
  for (const c of [streamer, viewer, other]) await join(c, room);
  const spam = await sendChat(viewer, room, "buy followers");
  const keep = await sendChat(viewer, room, "nice stream");
  if (!spam.ok || !keep.ok) throw new Error("send failed");
  const deleted = nextEvent(other, "chat:deleted");
  expect(await call(streamer, "chat:delete", { room, id: spam.id })).toEqual({ ok: true, deleted: true });
  expect(await deleted).toEqual({ room, id: spam.id });
  expect(await call(streamer, "chat:delete", { room, id: spam.id })).toEqual({ ok: true, deleted: false });
  const late = await join(await client(), room);
  expect(late.ok && late.messages.map((m) => m.id)).toEqual([keep.id]);
  // Viewers, and streamers of other rooms, may not.
  expect(await call(viewer, "chat:delete", { room, id: keep.id })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
  const elsewhere = await client({ token: await streamerOf("another-room") });
  expect(await call(elsewhere, "chat:delete", { room, id: keep.id })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
  expect(await call(streamer, "chat:delete", { room, id: 5 })).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
});

it("lets the room's streamer mute a user there for a while", async () => {
  const room = uniqueId("mute");
  const streamer = await client({ token: await streamerOf(room) });
  const troll = await client({ token: await mintToken({ sub: "troll", name: "Troll", role: "viewer" }, TEST_SECRET) });
  await join(streamer, room);
  await join(troll, room);
  const muted = await call<{ ok: boolean; until: number }>(streamer, "user:mute", { room, userId: "troll", durationSec: 1 });
  expect(muted.ok).toBe(true);
  expect(muted.until).toBeGreaterThan(Date.now());
  const refused = await sendChat(troll, room, "still here");
  expect(refused).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
  expect(!refused.ok && refused.error.retryAfterMs).toBeGreaterThan(0);
  // Elsewhere they may talk, and after the mute again here.
  const free = uniqueId("free");
  await join(troll, free);
  expect((await sendChat(troll, free, "hi")).ok).toBe(true);
  await new Promise((r) => setTimeout(r, (!refused.ok && refused.error.retryAfterMs) || 0));
  expect((await sendChat(troll, room, "back")).ok).toBe(true);
  expect(await call(troll, "user:mute", { room, userId: "mod", durationSec: 60 })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.Forbidden },
  });
  expect(await call(streamer, "user:mute", { room, userId: "troll", durationSec: 0 })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.BadRequest },
  });
});
