/** The one suite every ModerationStore implementation passes (in-memory and Redis). */
import { afterEach, describe, expect, it } from "vitest";
import type { BlockedTerm, Report, User } from "../protocol/index.js";
import type { ModerationStore, ModerationStoreOptions } from "./moderation-store.js";

let n = 0;
const fresh = (p: string) => `${p}-${process.pid}-${Date.now()}-${++n}`;
const author: User = { id: "author", name: "Author", role: "viewer" };
const term = (text: string, extra: Partial<BlockedTerm> = {}): BlockedTerm => ({ term: text, action: "block", match: "word", by: "s", at: Date.now(), ...extra });
const report = (by: string, reason = "spam"): Report => ({ by: { id: by, name: by }, reason, at: Date.now() });
const snapshot = (id: string) => ({ id, kind: "chat" as const, text: `message ${id}`, user: author, ts: 1 });

export function moderationStoreSuite(name: string, make: (options: Partial<ModerationStoreOptions>) => Promise<ModerationStore>): void {
  describe(`ModerationStore: ${name}`, () => {
    const open: ModerationStore[] = [];
    const store = async (options: Partial<ModerationStoreOptions> = {}) => {
      const s = await make(options);
      open.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it("appoints moderators per room, up to the bound; renaming keeps the appointment", async () => {
      const s = await store({ maxModerators: 2 });
      const room = fresh("room");
      expect(await s.addModerator(room, { userId: "a", name: "Ann", by: "streamer", at: 1 })).toBe("added");
      expect(await s.addModerator(room, { userId: "b", by: "streamer", at: 2 })).toBe("added");
      expect(await s.addModerator(room, { userId: "c", by: "streamer", at: 3 })).toBe("full");
      expect(await s.addModerator(room, { userId: "a", name: "Annie", by: "site", at: 9 })).toBe("exists");
      expect(await s.moderators(room)).toEqual([
        { userId: "a", name: "Annie", by: "streamer", at: 1 },
        { userId: "b", by: "streamer", at: 2 },
      ]);
      expect(await s.isModerator(room, "a")).toBe(true);
      expect(await s.isModerator(room, "c")).toBe(false);
      expect(await s.isModerator(fresh("other"), "a")).toBe(false);
      expect(await s.removeModerator(room, "a")).toBe(true);
      expect(await s.removeModerator(room, "a")).toBe(false);
      expect(await s.isModerator(room, "a")).toBe(false);
    });

    it("keeps a room's terms and the site's apart, each bounded; re-adding a term changes its rule", async () => {
      const s = await store({ maxRoomTerms: 2, maxSiteTerms: 1 });
      const room = fresh("room");
      expect(await s.addTerm({ room }, term("spam", { at: 1 }))).toBe("added");
      expect(await s.addTerm({ room }, term("scam", { at: 2 }))).toBe("added");
      expect(await s.addTerm({ room }, term("third"))).toBe("full");
      expect(await s.addTerm({ room }, term("spam", { action: "hold", at: 1 }))).toBe("exists");
      expect((await s.terms({ room })).map((t) => [t.term, t.action])).toEqual([
        ["spam", "hold"],
        ["scam", "block"],
      ]);
      expect(await s.terms({ room: fresh("other") })).toEqual([]);
      const site = fresh("site-term");
      expect(await s.addTerm("site", term(site))).toBe("added");
      expect((await s.terms("site")).map((t) => t.term)).toContain(site);
      expect(await s.removeTerm({ room }, "spam")).toBe(true);
      expect(await s.removeTerm({ room }, "spam")).toBe(false);
      expect(await s.removeTerm("site", site)).toBe(true);
    });

    it("files reports per message once per reporter, bounded per user and per room, newest first", async () => {
      const s = await store({ reportsPerUserPerHour: 2, maxReportedPerRoom: 2, reportsPerMessage: 2 });
      const room = fresh("room");
      const first = await s.report(room, snapshot("m1"), report("r1"));
      expect(first).toMatchObject({ reported: true, item: { id: "m1", room, count: 1, message: { text: "message m1", user: author } } });
      expect(await s.report(room, snapshot("m1"), report("r1", "again"))).toMatchObject({ reported: false });
      await s.report(room, snapshot("m1"), report("r2"));
      const third = await s.report(room, snapshot("m1"), report("r3", "rude"));
      expect(third).toMatchObject({ reported: true, item: { count: 3 } });
      if ("item" in third) expect(third.item!.reports.map((r) => r.by.id)).toEqual(["r2", "r3"]); // the newest 2 kept
      // r1 has one report left this hour, then it is refused with the wait.
      await s.report(room, snapshot("m2"), report("r1"));
      const limited = await s.report(room, snapshot("m3"), report("r1"));
      expect("limitedForMs" in limited && limited.limitedForMs).toBeGreaterThan(3_500_000);
      // Two reported messages at most: the one reported longest ago goes.
      await s.report(room, snapshot("m3"), report("r4"));
      expect((await s.reports(room)).map((r) => r.id)).toEqual(["m3", "m2"]);
      expect(await s.dismissReport(room, "m3")).toBe(true);
      expect(await s.dismissReport(room, "m3")).toBe(false);
      expect((await s.reports(room)).map((r) => r.id)).toEqual(["m2"]);
    });
  });
}
