/**
 * The PostgreSQL archive when its database fails, on a private server (never the shared one):
 * stopped, frozen (SIGSTOP) and killed (SIGKILL). Each call fails with ArchiveUnavailableError
 * within the configured timeouts instead of hanging, the pool recovers once the server is back,
 * and retrying a batch whose outcome was unknown stores it once. This is what the write-behind of
 * issue #20's phase B builds on: it retries until the database is back.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveUnavailableError, type ArchivedEntry, type MessageArchive } from "../../src/archive/message-archive.js";
import { openPostgresArchive } from "../../src/archive/postgres/postgres-archive.js";
import { encodeMessageId } from "../../src/store/message-id.js";
import { startPostgres, type PostgresServerHandle } from "../harness/postgres-server.js";

const TIMEOUT_MS = 1_000;
let server: PostgresServerHandle;
let archive: MessageArchive;

beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase("archive");
  archive = (
    await openPostgresArchive({ logger: pino({ level: "silent" }) }, { connectionString: url, pool: { connectTimeoutMs: TIMEOUT_MS, queryTimeoutMs: TIMEOUT_MS } })
  ).archive;
});

afterAll(async () => {
  server?.signal("SIGCONT");
  await archive?.close();
  await server?.close();
});

let seq = 0;
function batch(room: string, count: number): ArchivedEntry[] {
  return Array.from({ length: count }, () => {
    const ms = Date.UTC(2026, 0, 1) + seq++;
    return { room, id: encodeMessageId(ms, 0), ts: ms, kind: "chat" as const, text: `m${seq}`, user: { id: "u", name: "U", role: "viewer" as const } };
  });
}

async function exported(room: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of archive.export(room)) ids.push(e.id);
  return ids;
}

/** Retries like a write-behind does, until the database takes the batch (bounded). */
async function insertWhenBack(entries: ArchivedEntry[], deadlineMs = 20_000): Promise<number> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await archive.insert(entries);
    } catch (err) {
      if (!(err instanceof ArchiveUnavailableError) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** How long `call` took to fail, and with what. */
async function failure(call: () => Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t = Date.now();
  try {
    await call();
  } catch (err) {
    return { err, ms: Date.now() - t };
  }
  throw new Error("expected the call to fail");
}

describe("PostgreSQL archive outages", () => {
  it("fails calls as unavailable while the database is stopped, and works again once it is back", async () => {
    const room = "stopped";
    const before = batch(room, 10);
    await archive.insert(before);
    await server.stop();
    const during = batch(room, 10);
    const { err } = await failure(() => archive.insert(during));
    expect(err).toBeInstanceOf(ArchiveUnavailableError);
    await expect(archive.page(room, { limit: 10 })).rejects.toThrow(ArchiveUnavailableError);
    await server.start();
    expect(await insertWhenBack(during)).toBe(10);
    expect(await exported(room)).toEqual([...before, ...during].map((e) => e.id));
  });

  it("fails calls within the query timeout while the database is frozen, and a retry after it stores once", async () => {
    const room = "frozen";
    await archive.insert(batch(room, 5)); // a pooled connection to freeze mid-use
    server.signal("SIGSTOP");
    const during = batch(room, 10);
    try {
      const { err, ms } = await failure(() => archive.insert(during));
      expect(err).toBeInstanceOf(ArchiveUnavailableError);
      expect(ms).toBeLessThan(TIMEOUT_MS * 5); // bounded by the timeouts, not hung
    } finally {
      server.signal("SIGCONT");
    }
    // The timed-out insert may have landed after all once the server ran again: the retry must
    // not duplicate it either way.
    await insertWhenBack(during);
    const ids = await exported(room);
    expect(ids).toHaveLength(15);
    expect(new Set(ids).size).toBe(15);
  });

  it("keeps every committed entry through a crash (SIGKILL) and a restart", async () => {
    const room = "killed";
    const committed = batch(room, 200);
    await archive.insert(committed);
    await server.kill();
    await expect(archive.insert(batch(room, 1))).rejects.toThrow(ArchiveUnavailableError);
    await server.start();
    const after = batch(room, 5);
    expect(await insertWhenBack(after)).toBe(5);
    // Retrying the batch that failed during the crash stores what it had.
    expect(await exported(room)).toEqual([...committed, ...after].map((e) => e.id));
  });
});
