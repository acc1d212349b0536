/**
 * Write-behind fault (issue #20): PostgreSQL frozen (SIGSTOP) for 20 s, then restarted, under a
 * steady send load on two replicas. Sends keep acking throughout (no failure at all: nothing on
 * the send path waits for the database), and afterwards every acked message is archived, once.
 */
import { describe, expect, it } from "vitest";
import { expectArchivedExactlyOnce, useArchiveFaults } from "../support/archive-faults.js";
import { SendLoop } from "../support/fault-traffic.js";

const faults = useArchiveFaults(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("archive: PostgreSQL frozen 20 s, then restarted, under load", () => {
  it("keeps acking every send, and archives every acked message once afterwards", { timeout: 180_000 }, async () => {
    const rooms = Array.from({ length: 3 }, (_, i) => `freeze-${Date.now()}-${i}`);
    const [a, b] = faults.replicas();
    const senders = [await faults.client(a!.url, rooms), await faults.client(b!.url, rooms)];
    const loops = rooms.map((room) => new SendLoop(senders, room, { pauseMs: 100 }).start());
    const pg = faults.postgres();
    await sleep(2_000);
    pg.signal("SIGSTOP");
    await sleep(20_000);
    pg.signal("SIGCONT");
    await sleep(3_000);
    await pg.stop();
    await sleep(2_000);
    await pg.start();
    await sleep(3_000);
    await Promise.all(loops.map((l) => l.stop()));
    expect(loops.map((l) => l.failures)).toEqual(rooms.map(() => 0));
    const acked = new Map(rooms.map((room, i) => [room, loops[i]!.acked]));
    expect([...acked.values()].every((m) => m.size > 100)).toBe(true);
    // The sweepers back off up to 30 s while the database fails.
    const waited = await expectArchivedExactlyOnce(faults.databaseUrl(), acked, 60_000);
    console.log(`archive caught up ${waited} ms after the load stopped`);
    // The replicas' metrics saw it: failures while the database was frozen, every entry inserted once.
    const metrics = await Promise.all(faults.replicas().map(async (r) => (await fetch(`${r.url}/metrics`)).text()));
    const sum = (name: string) => metrics.reduce((n, text) => n + Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN), 0);
    expect(sum("chat_archive_failures_total")).toBeGreaterThan(0);
    expect(sum("chat_archive_inserted_total")).toBe([...acked.values()].reduce((n, m) => n + m.size, 0));
    expect(sum("chat_archive_dropped_total")).toBe(0);
    expect(metrics.every((text) => /^chat_archive_lag_seconds \S+$/m.test(text) && /^chat_archive_backlog \S+$/m.test(text))).toBe(true);
  });
});
