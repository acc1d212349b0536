/** The one suite every ModerationLog implementation passes (in-memory, Redis, and the archive's: SQLite and PostgreSQL). */
import { afterEach, describe, expect, it } from "vitest";
import type { ModerationLogEntry } from "../protocol/index.js";
import type { ModerationLog, ModerationLogOptions } from "./moderation-log.js";

let n = 0;
const fresh = (p: string) => `${p}-${process.pid}-${Date.now()}-${++n}`;

/** `bounded`: the implementation keeps the newest `maxPerRoom` (memory, Redis); the archive's keeps everything. */
export function moderationLogSuite(name: string, make: (options: Partial<ModerationLogOptions>) => Promise<ModerationLog>, { bounded = true } = {}): void {
  describe(`ModerationLog: ${name}`, () => {
    const open: ModerationLog[] = [];
    const log = async (options: Partial<ModerationLogOptions> = {}) => {
      const l = await make(options);
      open.push(l);
      return l;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((l) => l.close()));
    });
    const entry = (room: string, i: number): Omit<ModerationLogEntry, "id"> => ({
      room,
      at: 1_700_000_000_000 + i,
      by: { id: "mod-1", name: "Mo", role: "moderator" },
      action: "ban",
      target: { userId: `troll-${i}` },
      reason: "spam",
    });

    it("keeps every field, gives ids that sort in order, and lists newest first with a cursor", async () => {
      const l = await log();
      const room = fresh("room");
      const stored: ModerationLogEntry[] = [];
      for (let i = 0; i < 5; i++) stored.push(await l.append(entry(room, i)));
      expect(stored[0]).toEqual({ id: stored[0]!.id, ...entry(room, 0) });
      expect([...stored.map((e) => e.id)].sort()).toEqual(stored.map((e) => e.id));
      expect((await l.list(room, { limit: 2 })).map((e) => e.target?.userId)).toEqual(["troll-4", "troll-3"]);
      expect((await l.list(room, { limit: 10, before: stored[2]!.id })).map((e) => e.target?.userId)).toEqual(["troll-1", "troll-0"]);
      expect(await l.list(room, { limit: 10, before: stored[0]!.id })).toEqual([]);
      expect(await l.list(fresh("other"), { limit: 10 })).toEqual([]);
      const system = await l.append({ room, at: 1, by: { id: "system", name: "site", system: true }, action: "configure", detail: "slow mode 30 s" });
      expect((await l.list(room, { limit: 1 }))[0]).toEqual(system);
    });

    it.skipIf(!bounded)("keeps the newest maxPerRoom entries of a room", async () => {
      const l = await log({ maxPerRoom: 3 });
      const room = fresh("room");
      for (let i = 0; i < 5; i++) await l.append(entry(room, i));
      expect((await l.list(room, { limit: 10 })).map((e) => e.target?.userId)).toEqual(["troll-4", "troll-3", "troll-2"]);
    });
  });
}
