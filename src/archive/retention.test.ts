import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { encodeMessageId } from "../store/message-id.js";
import type { ArchivedEntry } from "./message-archive.js";
import { startRetention, type Retention, type RetentionLease } from "./retention.js";
import { openSqliteArchive } from "./sqlite/sqlite-archive.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const logger = pino({ level: "silent" });
const ann = { id: "ann", name: "Ann", role: "viewer" as const };
const entry = (room: string, ts: number, text: string): ArchivedEntry => ({ room, id: encodeMessageId(ts, 0), ts, kind: "chat", text, user: ann });

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function archiveFile() {
  const dataDir = mkdtempSync(join(tmpdir(), "retention-"));
  const opened = await openSqliteArchive({ dataDir });
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => opened.archive.close());
  return opened;
}

const retention = (...args: Parameters<typeof startRetention>): Retention => {
  const r = startRetention(...args);
  cleanup.push(() => r.stop());
  return r;
};

describe("archive retention", () => {
  it("removes entries and moderation log entries older than the retention from paging, keeps newer ones", async () => {
    const { archive, moderationLog } = await archiveFile();
    await archive.insert([entry("r", NOW - 31 * DAY, "old"), entry("r", NOW - 29 * DAY, "recent"), entry("s", NOW - 40 * DAY, "older"), entry("s", NOW - DAY, "new")]);
    await moderationLog.append({ room: "r", at: NOW - 31 * DAY, by: { id: "m", name: "M" }, action: "delete" });
    await moderationLog.append({ room: "r", at: NOW - DAY, by: { id: "m", name: "M" }, action: "ban" });
    const run = retention({ targets: [archive, moderationLog], logger, now: () => NOW }, { days: 30, firstRunMs: 3_600_000 });
    expect(await run.runOnce()).toEqual([2, 1]);
    expect((await archive.page("r", { limit: 10 })).entries.map((e) => e.text)).toEqual(["recent"]);
    expect((await archive.page("s", { limit: 10 })).entries.map((e) => e.text)).toEqual(["new"]);
    expect((await moderationLog.list("r", { limit: 10 })).map((e) => e.action)).toEqual(["ban"]);
    expect(await run.runOnce()).toEqual([0, 0]);
  });

  it("runs shortly after start and then every interval, on the injected clock", async () => {
    vi.useFakeTimers();
    let now = NOW;
    const cutoffs: number[] = [];
    const run = retention({ targets: [{ prune: async (olderThan) => (cutoffs.push(olderThan), 0) }], logger, now: () => now }, { days: 7, firstRunMs: 60_000, intervalMs: 3_600_000 });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(cutoffs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(cutoffs).toEqual([NOW - 7 * DAY]);
    now += 3_600_000;
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(cutoffs).toEqual([NOW - 7 * DAY, NOW + 3_600_000 - 7 * DAY]);
    await run.stop();
    await vi.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(cutoffs).toHaveLength(2);
  });

  it("with a lease, only the replica that takes it prunes; a failed run is logged and retried next time", async () => {
    let holder: string | null = null;
    const lease = (owner: string): RetentionLease => ({ take: async () => (holder === null ? ((holder = owner), true) : false) });
    const pruned: string[] = [];
    let fail = true;
    const target = (name: string) => ({
      prune: async () => {
        if (fail) throw new Error("database down");
        pruned.push(name);
        return 1;
      },
    });
    const warn = vi.fn();
    const a = retention({ targets: [target("a")], lease: lease("a"), logger: { info: () => {}, warn }, now: () => NOW }, { days: 1, firstRunMs: 3_600_000 });
    const b = retention({ targets: [target("b")], lease: lease("b"), logger, now: () => NOW }, { days: 1, firstRunMs: 3_600_000 });
    await expect(a.runOnce()).rejects.toThrow("database down");
    holder = null;
    fail = false;
    expect(await a.runOnce()).toEqual([1]);
    expect(await b.runOnce()).toBeNull();
    expect(pruned).toEqual(["a"]);
    expect(() => startRetention({ targets: [], logger }, { days: 0 })).toThrow(RangeError);
  });

  it("logs a failed timer run instead of throwing it", async () => {
    vi.useFakeTimers();
    const warn = vi.fn();
    retention({ targets: [{ prune: () => Promise.reject(new Error("disk gone")) }], logger: { info: () => {}, warn }, now: () => NOW }, { days: 1, firstRunMs: 10 });
    await vi.advanceTimersByTimeAsync(10);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), expect.stringContaining("retention run failed"));
  });
});
