/** The one test suite for every PresenceStore (in-memory and Redis). */
import { afterEach, describe, expect, it } from "vitest";
import type { PresenceOptions, PresenceStore } from "./presence-store.js";

let n = 0;
const fresh = () => `room-${process.pid}-${Date.now()}-${++n}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function presenceStoreSuite(name: string, make: (options: Partial<PresenceOptions>) => Promise<PresenceStore>): void {
  describe(`PresenceStore: ${name}`, () => {
    const open: PresenceStore[] = [];
    const store = async (options: Partial<PresenceOptions> = {}) => {
      const s = await make(options);
      open.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it("sums every replica's count and announces a change", async () => {
      const s = await store({ announceIntervalMs: 0 });
      const room = fresh();
      expect((await s.sync("a", new Map([[room, 3]]))).get(room)).toEqual({ total: 3, announce: true, pending: false, replicas: 1 });
      expect((await s.sync("b", new Map([[room, 2]]))).get(room)).toEqual({ total: 5, announce: true, pending: false, replicas: 2 });
      // Unchanged: nothing to announce.
      expect((await s.sync("a", new Map([[room, 3]]))).get(room)).toEqual({ total: 5, announce: false, pending: false, replicas: 2 });
      expect((await s.sync("b", new Map([[room, 0]]))).get(room)).toEqual({ total: 3, announce: true, pending: false, replicas: 1 });
    });

    it("throttles announcements per room across replicas and marks the rest pending", async () => {
      const s = await store({ announceIntervalMs: 300 });
      const room = fresh();
      expect((await s.sync("a", new Map([[room, 1]]))).get(room)?.announce).toBe(true);
      const throttled = (await s.sync("b", new Map([[room, 1]]))).get(room);
      expect(throttled).toEqual({ total: 2, announce: false, pending: true, replicas: 2 });
      await sleep(350);
      expect((await s.sync("b", new Map([[room, 1]]))).get(room)).toEqual({ total: 2, announce: true, pending: false, replicas: 2 });
    });

    it("drops a replica that stops reporting after the ttl", async () => {
      const s = await store({ ttlMs: 300, announceIntervalMs: 0 });
      const room = fresh();
      await s.sync("crashed", new Map([[room, 4]]));
      await s.sync("alive", new Map([[room, 1]]));
      await sleep(350);
      expect((await s.sync("alive", new Map([[room, 1]]))).get(room)).toEqual({ total: 1, announce: true, pending: false, replicas: 1 });
    });

    it("answers many rooms' latest totals in one read: 0 for rooms nobody reports, or whose reports expired", async () => {
      const s = await store({ ttlMs: 400, announceIntervalMs: 0 });
      const [a, b, gone, never] = [fresh(), fresh(), fresh(), fresh()];
      await s.sync("r1", new Map([[a, 3], [b, 1], [gone, 2]]));
      await s.sync("r2", new Map([[a, 2]]));
      expect(await s.totals([a, b, gone, never])).toEqual(new Map([[a, 5], [b, 1], [gone, 2], [never, 0]]));
      await s.sync("r1", new Map([[gone, 0]])); // the last viewer left
      expect((await s.totals([gone])).get(gone)).toBe(0);
      await sleep(450); // nobody refreshed within the ttl (a crashed replica)
      expect(await s.totals([a, b])).toEqual(new Map([[a, 0], [b, 0]]));
      await s.sync("r2", new Map([[a, 2]]));
      expect((await s.totals([a])).get(a)).toBe(2);
      expect(await s.totals([])).toEqual(new Map());
    });

    it("handles many rooms in one sync", async () => {
      const s = await store({ announceIntervalMs: 0 });
      const rooms = Array.from({ length: 50 }, fresh);
      const res = await s.sync("a", new Map(rooms.map((r, i) => [r, i + 1])));
      expect(rooms.map((r) => res.get(r)?.total)).toEqual(rooms.map((_, i) => i + 1));
    });
  });
}
