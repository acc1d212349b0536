/**
 * Write-behind fault (issue #20): a replica is SIGKILLed right after its sends were acked, before
 * its sweeper archived them (it held the shards' leases). Every acked message still ends up in
 * the archive, once: the marks were written with the entries, and the other replica takes the
 * shards over when the dead one's leases lapse, and has published what A acked but had not published yet.
 */
import { describe, expect, it } from "vitest";
import { sendChat, uniqueId } from "../support/clients.js";
import { expectArchivedExactlyOnce, useArchiveFaults } from "../support/archive-faults.js";
import { SendLoop } from "../support/fault-traffic.js";

const faults = useArchiveFaults(2);

describe("archive: a replica SIGKILLed right after acks", () => {
  it("archives every acked message once, through the surviving replica", { timeout: 120_000 }, async () => {
    const rooms = Array.from({ length: 4 }, (_, i) => `kill-${Date.now()}-${i}`);
    const [a, b] = faults.replicas();
    const onA = await faults.client(a!.url, rooms);
    const onB = await faults.client(b!.url, rooms);
    const acked = new Map(rooms.map((room) => [room, new Map<string, string>()]));
    // Steady traffic through B the whole time, in half the rooms: the other half get nothing after
    // the kill, so an entry A stored and acked but did not publish yet is not carried out by a
    // later send there (the surviving sweeper has it published: publishStranded).
    const busy = rooms.slice(0, 2);
    const loops = busy.map((room) => new SendLoop([onB], room, { pauseMs: 50 }).start());
    await new Promise((r) => setTimeout(r, 1_000));
    // A burst through A (more than the history per room), and the kill the moment its acks are in.
    const burst = await Promise.all(
      rooms.flatMap((room) =>
        Array.from({ length: 60 }, async (_, i) => {
          const text = `a ${room} ${i}`;
          const ack = await sendChat(onA, room, text, { clientId: uniqueId("a") });
          return { room, text, ack };
        }),
      ),
    );
    a!.kill("SIGKILL");
    await a!.exited;
    for (const { room, text, ack } of burst) {
      expect(ack.ok).toBe(true);
      if (ack.ok) acked.get(room)!.set(text, ack.id);
    }
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all(loops.map((l) => l.stop()));
    loops.forEach((l, i) => l.acked.forEach((id, text) => acked.get(busy[i]!)!.set(text, id)));
    expect(loops.reduce((n, l) => n + l.failures, 0)).toBe(0);
    // The dead replica's leases last 10 s; then B sweeps its shards too.
    const waited = await expectArchivedExactlyOnce(faults.databaseUrl(), acked, 60_000);
    expect([...acked.values()].reduce((n, m) => n + m.size, 0)).toBeGreaterThan(rooms.length * 60);
    console.log(`archive caught up ${waited} ms after the kill's traffic stopped`);
  });
});
