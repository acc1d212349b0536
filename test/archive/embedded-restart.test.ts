/**
 * Issue #20, embedded: `npm start` with no Redis keeps the chat across restarts, in the archive
 * file under DATA_DIR. A real server process: post, stop it (gracefully, then SIGKILL right after
 * the acks), start it again on the same DATA_DIR, join: every message is there, a re-join with
 * `since` recovers across the restart, and the moderation log (kept in the same file) too.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startReplica, type Replica } from "../harness/replica.js";
import { connectClient, join, sendChat, type ChatClient } from "../support/clients.js";
import { FAST } from "../support/embedded-server.js";

const API_KEY = "archive-test-key-0123456789";
const dataDir = mkdtempSync(joinPath(tmpdir(), "embedded-restart-"));
const env = { DATA_DIR: dataDir, API_KEYS: API_KEY, SHUTDOWN_TIMEOUT_MS: "5000", DRAIN_DELAY_MS: "0", ...FAST };
const running: Replica[] = [];
const sockets: ChatClient[] = [];

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(running.map((r) => r.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(extra: Record<string, string> = {}): Promise<Replica> {
  const replica = await startReplica({ env: { ...env, ...extra } });
  running.push(replica);
  return replica;
}

async function client(replica: Replica): Promise<ChatClient> {
  const socket = await connectClient(replica.url);
  sockets.push(socket);
  return socket;
}

async function api(replica: Replica, method: string, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${replica.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${API_KEY}` } });
  return { status: res.status, body: await res.json() };
}

async function post(replica: Replica, room: string, texts: string[]): Promise<string[]> {
  const socket = await client(replica);
  expect((await join(socket, room)).ok).toBe(true);
  const ids: string[] = [];
  for (const text of texts) {
    const ack = await sendChat(socket, room, text);
    if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    ids.push(ack.id);
  }
  socket.close();
  return ids;
}

async function joined(replica: Replica, room: string, since?: string) {
  const socket = await client(replica);
  const ack = await join(socket, room, since);
  socket.close();
  if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
  return ack;
}

it("keeps every message and the moderation log across a graceful restart and a SIGKILL", { timeout: 120_000 }, async () => {
  const first = await start();
  const ids = await post(first, "post-42", ["one", "two", "three"]);
  // A moderation action through the site's API: the deletion is logged and flagged in the archive.
  const [spam] = await post(first, "mod-room", ["spam"]);
  expect((await api(first, "DELETE", `/rooms/mod-room/messages/${spam}`)).status).toBe(200);
  expect((await api(first, "PUT", "/rooms/mod-room/moderators/mia")).status).toBeLessThan(300);
  const logBefore = (await api(first, "GET", "/rooms/mod-room/moderation-log")).body.entries as { action: string }[];
  expect(logBefore.map((e) => e.action)).toEqual(expect.arrayContaining(["delete"]));
  expect((await first.stop()).code).toBe(0);

  const second = await start();
  const rejoin = await joined(second, "post-42");
  expect(rejoin.messages.map((m) => m.text)).toEqual(["one", "two", "three"]);
  expect(rejoin.messages.map((m) => m.id)).toEqual(ids);
  const recovered = await joined(second, "post-42", ids[0]);
  expect(recovered).toMatchObject({ recovered: true });
  expect(recovered.messages.map((m) => m.id)).toEqual(ids.slice(1));
  expect((await joined(second, "mod-room")).messages).toEqual([]); // the deleted one stays deleted
  const logAfter = (await api(second, "GET", "/rooms/mod-room/moderation-log")).body.entries;
  expect(logAfter).toEqual(logBefore);

  // SIGKILL right after the acks: an ok ack means "in the file".
  const [four] = await post(second, "post-42", ["four"]);
  expect(four! > ids[2]!).toBe(true);
  second.kill("SIGKILL");
  expect((await second.exited).signal).toBe("SIGKILL");

  const third = await start();
  expect((await joined(third, "post-42")).messages.map((m) => m.text)).toEqual(["one", "two", "three", "four"]);
  const again = await joined(third, "post-42", ids[2]);
  expect(again).toMatchObject({ recovered: true });
  expect(again.messages.map((m) => m.id)).toEqual([four]);
  await third.stop();
});

it("refuses to start, naming DATA_DIR, when the archive file cannot be made; ARCHIVE=off runs without one", { timeout: 60_000 }, async () => {
  const notADir = joinPath(dataDir, "a-file");
  writeFileSync(notADir, "");
  await expect(start({ DATA_DIR: notADir })).rejects.toThrow(/configuration error: DATA_DIR: cannot keep the archive in .*ARCHIVE=off/);
  const off = await start({ DATA_DIR: notADir, ARCHIVE: "off" });
  await post(off, "post-43", ["lost on restart"]);
  await off.stop();
  const back = await start({ DATA_DIR: notADir, ARCHIVE: "off" });
  expect((await joined(back, "post-43")).messages).toEqual([]);
  await back.stop();
});
