/**
 * REQUIRE_OPEN_ROOMS (issue "abuse", bounded storage): only rooms a streamer opened by joining with
 * its token accept viewers' messages, so nobody can fill storage by writing to rooms nobody runs.
 * One embedded server with the option on.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { mintToken } from "../src/auth/token.js";
import { ErrorCode } from "../src/protocol/index.js";
import { join, sendChat, uniqueId } from "./support/clients.js";
import { TEST_SECRET, startEmbedded, type EmbeddedServer } from "./support/embedded-server.js";
import { useClients } from "./support/use-clients.js";

let srv: EmbeddedServer;
const client = useClients(() => srv.url);

beforeAll(async () => {
  srv = await startEmbedded({}, { storeOptions: { requireOpenRooms: true } });
});
afterAll(async () => {
  await srv.close();
});

it("refuses viewers' messages in a room no streamer opened, and takes them once its streamer joined", async () => {
  const room = uniqueId("open");
  const viewer = await client();
  expect((await join(viewer, room)).ok).toBe(true);
  const early = await sendChat(viewer, room, "is anyone running this room?");
  expect(early).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
  expect(!early.ok && early.error.message).toContain("not open");

  // Another room's streamer does not open this one.
  const stranger = await client({ token: await mintToken({ sub: "s2", name: "Other", role: "streamer", rooms: ["elsewhere"] }, TEST_SECRET) });
  expect((await join(stranger, room)).ok).toBe(true);
  expect((await sendChat(viewer, room, "still closed?")).ok).toBe(false);

  const streamer = await client({ token: await mintToken({ sub: "s1", name: "Host", role: "streamer", rooms: [room] }, TEST_SECRET) });
  expect((await join(streamer, room)).ok).toBe(true);
  expect((await sendChat(viewer, room, "hello now")).ok).toBe(true);
  expect((await srv.store.history(room)).messages.map((m) => m.text)).toEqual(["hello now"]);
});
