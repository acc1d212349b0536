/**
 * Issue #20, embedded: an archive file that refuses a write (disk full) fails the send with a typed
 * `unavailable` ack, never a silent loss and never a crash; the client's retry with the same
 * clientId is stored once when the file takes writes again, and viewers see the message once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ArchivedEntry, MessageArchive } from "../../src/archive/message-archive.js";
import { openSqliteArchive } from "../../src/archive/sqlite/sqlite-archive.js";
import { connectClient, join as joinRoom, record, sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { startEmbedded, type EmbeddedServer } from "../support/embedded-server.js";

const dataDir = mkdtempSync(join(tmpdir(), "embedded-archive-failure-"));
let archive: MessageArchive;
let server: EmbeddedServer;
let diskFull = false;
const sockets: ChatClient[] = [];

beforeAll(async () => {
  archive = (await openSqliteArchive({ dataDir })).archive;
  const full: MessageArchive = Object.assign(Object.create(archive) as MessageArchive, {
    insert: (entries: readonly ArchivedEntry[]) =>
      diskFull ? Promise.reject(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" })) : archive.insert(entries),
  });
  server = await startEmbedded({}, { archive: full });
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.close();
  await archive?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it("acks unavailable while the file refuses writes, stores the retry once afterwards, and keeps serving", async () => {
  const room = uniqueId("full");
  const [sender, viewer] = await Promise.all([connectClient(server.url), connectClient(server.url)]);
  sockets.push(sender, viewer);
  await joinRoom(sender, room);
  await joinRoom(viewer, room);
  const seen = record(viewer, "chat:message");

  diskFull = true;
  const clientId = uniqueId("retry");
  const refused = await sendChat(sender, room, "kept?", { clientId });
  expect(refused).toMatchObject({ ok: false, error: { code: "unavailable" } });
  // Nothing of it anywhere: not in the history, not delivered.
  expect(await joinRoom(viewer, room)).toMatchObject({ ok: true, messages: [] });

  diskFull = false;
  const stored = await sendChat(sender, room, "kept?", { clientId });
  expect(stored.ok).toBe(true);
  const again = await sendChat(sender, room, "kept?", { clientId });
  expect(again).toMatchObject({ ok: true, id: stored.ok ? stored.id : "" });
  await expect.poll(() => seen.length).toBe(1);
  expect((await archive.page(room, { limit: 10 })).entries.map((e) => e.text)).toEqual(["kept?"]);
  await new Promise((r) => setTimeout(r, 100));
  expect(seen.map((m) => (m as { text: string }).text)).toEqual(["kept?"]);
});
