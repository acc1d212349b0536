/**
 * Write-behind fault (issue #20): 60 s with no database (PostgreSQL stopped) under a steady send
 * load, and a replica started while it is down. Sends keep acking throughout, the new replica
 * serves chat, the Redis streams keep what is not archived (their history is small: trimming
 * must wait for the checkpoints), and once the database is back every acked message is archived, once.
 */
import { describe, expect, it } from "vitest";
import { expectArchivedExactlyOnce, useArchiveFaults } from "../support/archive-faults.js";
import { SendLoop } from "../support/fault-traffic.js";

const faults = useArchiveFaults(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("archive: 60 s without a database, under load", () => {
  it("keeps acking every send, starts a replica without it, and archives every acked message once afterwards", { timeout: 240_000 }, async () => {
    const rooms = Array.from({ length: 3 }, (_, i) => `down-${Date.now()}-${i}`);
    const [a, b] = faults.replicas();
    const senders = [await faults.client(a!.url, rooms), await faults.client(b!.url, rooms)];
    const loops = rooms.map((room) => new SendLoop(senders, room, { pauseMs: 100 }).start());
    const pg = faults.postgres();
    await sleep(2_000);
    const downAt = Date.now();
    await pg.stop();
    // A replica starting now must serve chat all the same (its archive opens in the background).
    const late = await faults.addReplica();
    // Rooms of its own: SendLoop's texts are unique per loop, and the check matches texts.
    const lateRooms = rooms.map((room) => `${room}-late`);
    const onLate = await faults.client(late.url, lateRooms);
    const lateLoops = lateRooms.map((room) => new SendLoop([onLate], room, { pauseMs: 200 }).start());
    await sleep(Math.max(0, 60_000 - (Date.now() - downAt)));
    await pg.start();
    await sleep(2_000);
    const all = [...loops, ...lateLoops];
    await Promise.all(all.map((l) => l.stop()));
    expect(all.map((l) => l.failures)).toEqual(all.map(() => 0));
    const acked = new Map([...rooms.map((room, i) => [room, loops[i]!.acked] as const), ...lateRooms.map((room, i) => [room, lateLoops[i]!.acked] as const)]);
    expect(lateLoops.every((l) => l.acked.size > 10)).toBe(true);
    const waited = await expectArchivedExactlyOnce(faults.databaseUrl(), acked, 60_000);
    console.log(`archive caught up ${waited} ms after the load stopped`);
  });
});
