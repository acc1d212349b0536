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
});
