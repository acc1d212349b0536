import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteArchive } from "./archive/sqlite/sqlite-archive.js";
import { ConfigError } from "./config.js";
import { openEmbeddedArchive } from "./runtime-archive.js";
import { encodeMessageId } from "./store/message-id.js";

const logger = pino({ level: "silent" });
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const ann = { id: "ann", name: "Ann", role: "viewer" as const };
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "runtime-archive-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the embedded archive's wiring", () => {
  it("prunes what is older than ARCHIVE_RETENTION_DAYS shortly after start, entries and moderation log alike", async () => {
    const dataDir = tempDir();
    const before = await openSqliteArchive({ dataDir });
    const entry = (ts: number, text: string) => ({ room: "r", id: encodeMessageId(ts, 0), ts, kind: "chat" as const, text, user: ann });
    await before.archive.insert([entry(NOW - 10 * DAY, "old"), entry(NOW - 2 * DAY, "kept")]);
    await before.moderationLog.append({ room: "r", at: NOW - 10 * DAY, by: { id: "m", name: "M" }, action: "ban" });
    await before.archive.close();

    const opened = (await openEmbeddedArchive({ archive: true, dataDir, archiveRetentionDays: 7 }, logger, { now: () => NOW, firstRunMs: 20 }))!;
    await expect.poll(async () => (await opened.archive.page("r", { limit: 10 })).entries.map((e) => e.text), { timeout: 5_000 }).toEqual(["kept"]);
    expect(await opened.moderationLog.list("r", { limit: 10 })).toEqual([]);
    await opened.close();
  });

  it("keeps everything with ARCHIVE_RETENTION_DAYS=0, opens nothing with ARCHIVE=off, and names DATA_DIR when the file cannot be made", async () => {
    const dataDir = tempDir();
    const forever = (await openEmbeddedArchive({ archive: true, dataDir, archiveRetentionDays: 0 }, logger, { now: () => NOW, firstRunMs: 1 }))!;
    await forever.archive.insert([{ room: "r", id: encodeMessageId(1_000, 0), ts: 1_000, kind: "chat", text: "1970", user: ann }]);
    await new Promise((r) => setTimeout(r, 50));
    expect((await forever.archive.page("r", { limit: 10 })).entries).toHaveLength(1);
    await forever.close();

    expect(await openEmbeddedArchive({ archive: false, dataDir: "/nonexistent/never-made", archiveRetentionDays: 0 }, logger)).toBeUndefined();
    const file = join(dataDir, "not-a-dir");
    writeFileSync(file, "");
    const failed = openEmbeddedArchive({ archive: true, dataDir: file, archiveRetentionDays: 0 }, logger);
    await expect(failed).rejects.toBeInstanceOf(ConfigError);
    await expect(failed).rejects.toThrow(/^DATA_DIR: cannot keep the archive in .*not-a-dir\/archive\.sqlite .*ARCHIVE=off/);
  });
});
