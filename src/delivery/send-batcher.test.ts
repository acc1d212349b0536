import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AppendOutcome, MessageDraft } from "../store/message-store.js";
import { SendBatcher } from "./send-batcher.js";

const draft = (text: string): MessageDraft => ({ kind: "chat", text, user: { id: "u", name: "U", role: "viewer" }, dedupKey: text, sender: "s" });

describe("SendBatcher", () => {
  let calls: { room: string; texts: string[]; done: (o: AppendOutcome[]) => void; fail: (e: unknown) => void }[];
  let batcher: SendBatcher;

  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    batcher = new SendBatcher(
      {
        append: (room, drafts) =>
          new Promise((done, fail) => calls.push({ room, texts: drafts.map((d) => d.text), done, fail })),
        now: () => Date.now(),
      },
      { tickMs: 25, maxBatch: 3 },
    );
  });
  afterEach(() => vi.useRealTimers());

  const ok = (texts: string[]): AppendOutcome[] => texts.map((t) => ({ id: `id-${t}`, duplicate: false }));

  it("stores the first message of a quiet room at once (leading edge)", async () => {
    const a = batcher.submit("r", draft("a"));
    expect(calls.map((c) => c.texts)).toEqual([["a"]]);
    calls[0]!.done(ok(["a"]));
    await expect(a).resolves.toEqual({ id: "id-a", duplicate: false });
  });

  it("stores what arrives within the tick as one batch, each acked on its own outcome", async () => {
    void batcher.submit("r", draft("a"));
    calls[0]!.done(ok(["a"]));
    await vi.advanceTimersByTimeAsync(5);
    const b = batcher.submit("r", draft("b"));
    const c = batcher.submit("r", draft("c"));
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(calls.map((x) => x.texts)).toEqual([["a"], ["b", "c"]]);
    calls[1]!.done([{ id: "id-b", duplicate: false }, { mutedForMs: 5 }]);
    await expect(b).resolves.toEqual({ id: "id-b", duplicate: false });
    await expect(c).resolves.toEqual({ mutedForMs: 5 });
  });

  it("keeps one store call per room in flight and caps a batch", async () => {
    void batcher.submit("r", draft("a"));
    for (const t of ["b", "c", "d", "e"]) void batcher.submit("r", draft(t));
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(1); // "a" still in flight
    calls[0]!.done(ok(["a"]));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((x) => x.texts)).toEqual([["a"], ["b", "c", "d"]]);
    calls[1]!.done(ok(["b", "c", "d"]));
    await vi.advanceTimersByTimeAsync(25);
    expect(calls.map((x) => x.texts).at(-1)).toEqual(["e"]);
  });

  it("batches rooms independently and fails every message of a failed batch", async () => {
    const a = batcher.submit("r1", draft("a"));
    void batcher.submit("r2", draft("b"));
    expect(calls.map((c) => c.room)).toEqual(["r1", "r2"]);
    calls[0]!.fail(new Error("down"));
    await expect(a).rejects.toThrow("down");
  });

  it("forgets a room once it has been quiet for a tick", async () => {
    void batcher.submit("r", draft("a"));
    calls[0]!.done(ok(["a"]));
    await vi.advanceTimersByTimeAsync(30);
    expect(batcher.size).toBe(0);
    void batcher.submit("r", draft("b"));
    expect(calls).toHaveLength(2); // led again, no tick
  });

  describe("ticks that grow with the room", () => {
    let viewers: Map<string, number>;
    beforeEach(() => {
      viewers = new Map();
      batcher = new SendBatcher(
        {
          append: (room, drafts) => new Promise((done, fail) => calls.push({ room, texts: drafts.map((d) => d.text), done, fail })),
          viewers: (room) => viewers.get(room) ?? 0,
          now: () => Date.now(),
        },
        { tickMs: 25, maxBatch: 100, maxTickMs: 100, roomWritesPerSec: 100_000 },
      );
    });

    it("takes 1 ms per 100 viewers, between tickMs and maxTickMs", () => {
      for (const [n, tick] of [[0, 25], [100, 25], [2_500, 25], [5_000, 50], [7_777, 78], [10_000, 100], [1_000_000, 100]] as const) {
        viewers.set("r", n);
        expect(batcher.tickFor("r"), `${n} viewers`).toBe(tick);
      }
    });

    /** Submits one message every `everyMs` for `forMs`, acking each flush at once; returns each flush's time. */
    async function traffic(room: string, everyMs: number, forMs: number): Promise<number[]> {
      const start = Date.now();
      const flushes: number[] = [];
      let seen = 0;
      for (let t = 0; t < forMs; t += everyMs) {
        void batcher.submit(room, draft(`m${t}`));
        for (; seen < calls.length; seen++) {
          flushes.push(Date.now() - start);
          calls[seen]!.done(ok(calls[seen]!.texts));
        }
        await vi.advanceTimersByTimeAsync(everyMs);
      }
      for (; seen < calls.length; seen++) flushes.push(Date.now() - start);
      return flushes;
    }

    it("bounds a busy big room to one flush per grown tick, a small one to one per tickMs", async () => {
      viewers.set("big", 10_000);
      viewers.set("small", 50);
      const big = await traffic("big", 5, 1_000); // 200 msg/s
      expect(big.length).toBeGreaterThanOrEqual(9);
      expect(big.length).toBeLessThanOrEqual(11);
      for (let i = 1; i < big.length; i++) expect(big[i]! - big[i - 1]!).toBeGreaterThanOrEqual(100);
      calls = [];
      const small = await traffic("small", 5, 1_000);
      expect(small.length).toBeGreaterThanOrEqual(38);
      expect(small.length).toBeLessThanOrEqual(41);
    });

    it("keeps the leading edge: a big room quiet for its tick stores the next message at once", async () => {
      viewers.set("big", 10_000);
      void batcher.submit("big", draft("a"));
      expect(calls).toHaveLength(1);
      calls[0]!.done(ok(["a"]));
      await vi.advanceTimersByTimeAsync(60);
      void batcher.submit("big", draft("b")); // within the grown tick: waits for its end
      expect(calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(40);
      expect(calls.map((c) => c.texts)).toEqual([["a"], ["b"]]);
      calls[1]!.done(ok(["b"]));
      await vi.advanceTimersByTimeAsync(100); // quiet for a tick
      void batcher.submit("big", draft("c"));
      expect(calls.map((c) => c.texts).at(-1)).toEqual(["c"]);
    });

    it("keeps every room at tickMs when maxTickMs is not above it, and stores at once with tickMs 0", () => {
      viewers.set("big", 1_000_000);
      const flat = new SendBatcher({ append: async () => [], viewers: () => 1_000_000 }, { tickMs: 25, maxTickMs: 25 });
      expect(flat.tickFor("big")).toBe(25);
      const none = new SendBatcher({ append: async () => [], viewers: () => 1_000_000 }, { tickMs: 0 });
      expect(none.tickFor("big")).toBe(0);
    });
  });
});
