import { describe, expect, it } from "vitest";
import { RoomTimeline, type RoomTimelineOptions } from "./room-timeline.js";
import { FakeClock } from "./testing/fake-clock.js";

/** A timeline whose refills are recorded, not sent; `own` is the count of own unacked sends. */
function timeline(options: Partial<RoomTimelineOptions> = {}, lastId?: string) {
  const clock = new FakeClock();
  const state = { own: 0, wanted: 0 };
  const t = new RoomTimeline(
    { clock, wantRefill: () => state.wanted++, ownUnacked: () => state.own, changed: () => {} },
    options,
    lastId,
  );
  return { t, clock, state };
}

/** Joins with an answer of `ids` (recovered unless said otherwise). */
function joined(t: RoomTimeline, ids: string[], recovered = true) {
  t.beginJoin(false);
  return t.endJoin(recovered, ids, undefined);
}

describe("RoomTimeline", () => {
  it("de-duplicates by id whether an id comes live, in an ack or in a join", () => {
    const { t } = timeline();
    joined(t, ["0001", "0002"], false);
    expect(t.receive("0003", "0002")).toBe(true);
    expect(t.receive("0003", "0002")).toBe(false);
    expect(t.accept("0003")).toBe(false);
    expect(t.accept("0004")).toBe(true);
    t.beginJoin(true);
    expect(t.endJoin(true, ["0003", "0004", "0005"], undefined).fresh).toEqual(["0005"]);
    expect(t.lastId).toBe("0005");
  });

  it("tolerates reordering within the grace: no refill", async () => {
    const { t, clock, state } = timeline({ gapGraceMs: 1000 });
    joined(t, ["0001"], false);
    t.receive("0003", "0002"); // 0002 is still on its way
    await clock.advance(400);
    t.receive("0002", "0001");
    await clock.advance(5000);
    expect(state.wanted).toBe(0);
    expect(t.stats).toEqual({ refills: 0, suspectedGaps: 1, realGaps: 0 });
    expect(t.settled).toBe(true);
  });

  it("asks for exactly one refill for a gap still open after the grace, from below the gap", async () => {
    const { t, clock, state } = timeline({ gapGraceMs: 1000 });
    joined(t, ["0001", "0002"], false);
    t.receive("0005", "0004"); // 0003 and 0004 were lost
    await clock.advance(999);
    expect(state.wanted).toBe(0);
    await clock.advance(1);
    expect(state.wanted).toBe(1);
    expect(t.lastId).toBe("0002"); // not 0005: that would skip the gap
    expect(t.beginJoin(true)).toBe("0002");
    await clock.advance(10_000);
    expect(state.wanted).toBe(1);
    t.endJoin(true, ["0003", "0004", "0005"], undefined);
    expect(t.lastId).toBe("0005");
    expect(t.stats).toEqual({ refills: 1, suspectedGaps: 1, realGaps: 1 });
    expect(t.settled).toBe(true);
  });

  it("holds a gap while own sends await their acks: the prev may be our own message", async () => {
    const { t, clock, state } = timeline({ gapGraceMs: 1000, maxGapGraceMs: 10_000 });
    joined(t, ["0001"], false);
    state.own = 1;
    t.receive("0003", "0002"); // 0002 is our own send, its ack not back yet
    await clock.advance(5000);
    expect(state.wanted).toBe(0);
    t.accept("0002"); // the ack
    state.own = 0;
    t.ownSettled();
    await clock.advance(20_000);
    expect(state.wanted).toBe(0);
    expect(t.settled).toBe(true);
  });

  it("decides a held gap once own sends settle, and never waits past the bound", async () => {
    const { t, clock, state } = timeline({ gapGraceMs: 1000, maxGapGraceMs: 4000 });
    joined(t, ["0001"], false);
    state.own = 1;
    t.receive("0003", "0002");
    await clock.advance(2000);
    state.own = 0; // our send failed: 0002 was not ours
    t.ownSettled();
    expect(state.wanted).toBe(1);

    const other = timeline({ gapGraceMs: 1000, maxGapGraceMs: 4000 });
    joined(other.t, ["0001"], false);
    other.state.own = 1; // an ack that never comes
    other.t.receive("0003", "0002");
    await other.clock.advance(3999);
    expect(other.state.wanted).toBe(0);
    await other.clock.advance(1);
    expect(other.state.wanted).toBe(1);
  });

  it("coalesces: one refill covers every gap open when it went out; gaps seen during it are checked after", async () => {
    const { t, clock, state } = timeline({ gapGraceMs: 1000 });
    joined(t, ["0010"], false);
    t.receive("0013", "0012");
    t.receive("0016", "0015");
    await clock.advance(1000);
    expect(state.wanted).toBe(2); // both expired; the room starts one refill
    expect(t.beginJoin(true)).toBe("0010");
    // While it runs: a suspected gap that the refill's answer fills, and one it does not.
    t.receive("0019", "0018");
    t.receive("0022", "0021");
    await clock.advance(5000);
    expect(state.wanted).toBe(2); // no timers run during a refill
    const out = t.endJoin(true, ["0011", "0012", "0013", "0014", "0015", "0016", "0017", "0018"], undefined);
    expect(out.fresh).toEqual(["0011", "0012", "0014", "0015", "0017", "0018"]);
    expect(t.settled).toBe(false); // 0021 is still missing
    t.receive("0021", "0020"); // it was only late...
    expect(t.settled).toBe(false); // ...but it names 0020, unseen: a new suspicion
    t.receive("0020", "0019");
    await clock.advance(5000);
    expect(state.wanted).toBe(2);
    expect(t.settled).toBe(true);
    expect(t.stats.refills).toBe(1);
  });

  it("closes the gaps a recovered refill covered even when their prev never shows up (a superseded notice)", async () => {
    const { t, clock, state } = timeline({ gapGraceMs: 1000 });
    joined(t, ["0001"], false);
    t.receive("0004", "0003"); // 0003 was a notice, replaced since by 0005
    t.receive("0006", "0005");
    await clock.advance(1000);
    t.beginJoin(true);
    t.endJoin(true, ["0002", "0004", "0006"], "0005"); // join answers carry no superseded notice
    await clock.advance(10_000);
    expect(state.wanted).toBe(2);
    expect(t.stats.refills).toBe(1);
    expect(t.settled).toBe(true);
    expect(t.lastId).toBe("0006");
  });

  it("starts over from an answer that is not recovered, keeping what arrived while the join ran", () => {
    const { t } = timeline({}, "0005");
    expect(t.beginJoin(false)).toBe("0005");
    t.receive("0103", "0102"); // live, newer than the answer's history
    const out = t.endJoin(false, ["0101", "0102"], undefined);
    expect(out).toEqual({ fresh: ["0101", "0102"], restarted: true, kept: ["0103"] });
    expect(t.has("0005")).toBe(false);
    expect(t.lastId).toBe("0103");
    expect(t.settled).toBe(true);
  });

  it("checks live entries that arrive before the first join's answer against it", async () => {
    const { t, clock, state } = timeline({ gapGraceMs: 1000 });
    t.beginJoin(false);
    t.receive("0003", "0002"); // the join's history will have 0002
    t.receive("0009", "0008"); // but not this one's prev
    t.endJoin(false, ["0001", "0002"], undefined);
    await clock.advance(999);
    expect(state.wanted).toBe(0); // a fresh grace from the answer on
    await clock.advance(1);
    expect(state.wanted).toBe(1);
  });

  it("never gives a deleted message as since", () => {
    const { t } = timeline();
    joined(t, ["0001", "0002", "0003"], false);
    t.remove("0003");
    expect(t.lastId).toBe("0002");
    expect(t.receive("0003", "0002")).toBe(false); // a late copy of the deleted message
    expect(t.receive("0004", "0003")).toBe(true); // and naming it is no gap
    expect(t.settled).toBe(true);
  });

  it("starts from a stored since: everything up to it counts as seen", async () => {
    const { t, clock, state } = timeline({}, "0050");
    expect(t.beginJoin(false)).toBe("0050");
    t.endJoin(true, ["0051"], undefined);
    t.receive("0049", "0048"); // a very late delivery from before our since: no gap
    await clock.advance(5000);
    expect(state.wanted).toBe(0);
    expect(t.lastId).toBe("0051");
  });

  it("forgets the oldest ids beyond maxIds", () => {
    const { t } = timeline({ maxIds: 3 });
    joined(t, ["a1", "a2", "a3", "a4"], false);
    expect(t.has("a1")).toBe(false);
    expect(t.has("a4")).toBe(true);
  });

  it("drops its gaps on a disconnect until the re-join, which covers them", async () => {
    const { t, clock, state } = timeline({ gapGraceMs: 1000 });
    joined(t, ["0001"], false);
    t.receive("0003", "0002");
    t.disconnected();
    await clock.advance(5000);
    expect(state.wanted).toBe(0);
    expect(t.beginJoin(false)).toBe("0001");
    t.endJoin(true, ["0003"], undefined); // 0002 deleted meanwhile: the answer covers it anyway
    expect(t.settled).toBe(true);
    expect(t.stats.refills).toBe(0);
  });
});
