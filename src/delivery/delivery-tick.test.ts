/**
 * LocalDelivery's tick (`tickFor`): a busy room is written once per tick on this replica however
 * many publishes arrive, with the leading edge kept. A fake namespace records what each member's
 * connection is given; the clock is vitest's.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PublishedEntry } from "../store/message-store.js";
import { LocalDelivery } from "./local-delivery.js";

const user = { id: "u", name: "U", role: "viewer" as const };
let seq = 0;
const entry = (text: string, sender = ""): PublishedEntry => ({ id: `0190000000000${String(++seq).padStart(4, "0")}-0`, prev: null, sender, room: "r", kind: "chat", text, user, ts: 1 });

/** A namespace with batch members `ids` in room "r"; each member's writes as lists of entry texts. */
function fakeNamespace(ids: string[]) {
  const got = new Map<string, string[][]>(ids.map((id) => [id, []]));
  const sockets = new Map(
    ids.map((id) => [
      id,
      {
        data: { batch: true },
        conn: {},
        client: {
          writeToEngine: (packets: string[]) => {
            const [, payload] = JSON.parse(packets[0]!) as [string, { entries: { text: string }[] }];
            got.get(id)!.push(payload.entries.map((e) => e.text));
          },
        },
      },
    ]),
  );
  const adapter = { rooms: new Map([["r", new Set(ids)]]), _encode: (packet: { data: unknown[] }) => [JSON.stringify(packet.data)] };
  return { nsp: { name: "/", sockets, adapter } as never, got };
}

describe("LocalDelivery's tick", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("writes a quiet room at once, then what arrives within the tick as one delivery at its end", async () => {
    const { nsp, got } = fakeNamespace(["a", "b"]);
    const delivery = new LocalDelivery({ nsp, tickFor: () => 25, now: () => Date.now() });
    delivery.deliver("r", [entry("1")]);
    expect(got.get("a")).toEqual([["1"]]);
    await vi.advanceTimersByTimeAsync(5);
    // Two replicas publish within the tick; b sent one of them.
    delivery.deliver("r", [entry("2"), entry("3", "b")]);
    delivery.deliver("r", [entry("4")]);
    expect(got.get("a")).toEqual([["1"]]);
    await vi.advanceTimersByTimeAsync(20);
    expect(got.get("a")).toEqual([["1"], ["2", "3", "4"]]);
    expect(got.get("b")).toEqual([["1"], ["2", "4"]]);
    // Quiet for a tick: the next publish leads again.
    await vi.advanceTimersByTimeAsync(30);
    delivery.deliver("r", [entry("5")]);
    expect(got.get("a")!.at(-1)).toEqual(["5"]);
  });

  it("delivers an entry once when a republish lands in the same tick", async () => {
    const { nsp, got } = fakeNamespace(["a"]);
    const delivery = new LocalDelivery({ nsp, tickFor: () => 25, now: () => Date.now() });
    const [x, y, z] = [entry("x"), entry("y"), entry("z")];
    delivery.deliver("r", [x]);
    delivery.deliver("r", [x, y]); // a republish after a failover starts before what was delivered
    delivery.deliver("r", [y, z]);
    await vi.advanceTimersByTimeAsync(25);
    expect(got.get("a")).toEqual([["x"], ["y", "z"]]);
  });

  it("writes every publish at once with a tick of 0, and drops what waits once the room is forgotten", async () => {
    const { nsp, got } = fakeNamespace(["a"]);
    let tick = 0;
    const delivery = new LocalDelivery({ nsp, tickFor: () => tick, now: () => Date.now() });
    delivery.deliver("r", [entry("1")]);
    delivery.deliver("r", [entry("2")]);
    expect(got.get("a")).toEqual([["1"], ["2"]]);
    tick = 100;
    delivery.deliver("r", [entry("3")]);
    delivery.deliver("r", [entry("4")]);
    delivery.forget("r");
    await vi.advanceTimersByTimeAsync(200);
    expect(got.get("a")).toEqual([["1"], ["2"], ["3"]]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
