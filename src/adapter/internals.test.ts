/**
 * The socket.io-adapter and @socket.io/redis-adapter internals src/adapter/ relies on, checked
 * without Redis. Both packages are pinned to exact versions in package.json; when an upgrade
 * changes one of these, this file fails and says which, before anything subtle breaks in production.
 * (The Socket.IO and engine.io internals of src/engine/ and node-redis's of src/redis/ are guarded
 * beside that code.)
 *
 * Who uses what:
 * - socket.io-adapter `Adapter`: `rooms`, `sids` (only these methods read a socket's entry:
 *   chat-rooms.ts replaces them to store one room as its name), `computeExceptSids`, `_del`,
 *   `apply` finding every socket by the keys of `sids` (chat-rooms.ts);
 * - @socket.io/redis-adapter sharded adapter: `opts`, `dynamicChannel`, `onRawMessage` looked up
 *   on the instance by the subscription handler, `doPublish`, the "create-room" listener
 *   (sharded-adapter.ts).
 */
import { readFileSync } from "node:fs";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { Adapter } from "socket.io-adapter";
import { describe, expect, it } from "vitest";
import { expectPinned, fakeNamespace, libraryFile } from "../../test/support/library-internals.js";
import { EntryBus } from "../delivery/entry-bus.js";
import { roomChannel } from "../store/redis/room-channel.js";
import { createChatShardedAdapter, type ShardedInternals } from "./sharded-adapter.js";

describe("pinned library internals of src/adapter/", () => {
  it("pins every package whose internals are used to the exact installed version", () => {
    expectPinned(["socket.io-adapter", "@socket.io/redis-adapter"]);
  });

  it("socket.io-adapter: room maps and except expansion", () => {
    const adapter = new Adapter(fakeNamespace() as never) as unknown as {
      rooms: Map<string, Set<string>>;
      sids: Map<string, Set<string>>;
      computeExceptSids(except?: Set<string>): Set<string>;
      addAll(id: string, rooms: Set<string>): void;
    };
    adapter.addAll("s1", new Set(["r1"]));
    expect(adapter.rooms.get("r1")).toEqual(new Set(["s1"]));
    expect(adapter.sids.get("s1")).toEqual(new Set(["r1"]));
    expect(adapter.computeExceptSids(new Set(["r1"]))).toEqual(new Set(["s1"]));
  });

  it("socket.io-adapter: a socket's room entry is read only by addAll, del, delAll and socketRooms; _del leaves one room", () => {
    // chat-rooms.ts stores a one-room socket's entry as the room's name. Any other method that
    // dereferences an entry (beyond has/keys) would break on that: list them all here.
    const source = readFileSync(libraryFile("socket.io-adapter", "in-memory-adapter.js"), "utf8");
    const readers = [...source.matchAll(/^ {4}(\w+)\([^)]*\) \{$([\s\S]*?)^ {4}\}$/gm)]
      .filter(([, , body]) => /this\.sids\.get\(/.test(body!))
      .map(([, name]) => name)
      .sort();
    expect(readers).toEqual(["addAll", "del", "delAll", "socketRooms"]);
    expect(source).toMatch(/for \(const \[id\] of this\.sids\)/);
    // chat-rooms.ts announces rooms from `apply`: every local broadcast must go through it, the
    // cluster adapter's remote ones too (they call the in-memory adapter's broadcast).
    expect(source).toMatch(/broadcast\(packet, opts\) \{[\s\S]*?this\.apply\(opts,/);
    expect(readFileSync(libraryFile("socket.io-adapter", "cluster-adapter.js"), "utf8")).toMatch(/super\.broadcast\(packet, opts\)/);
    for (const [pkg, file] of [["socket.io-adapter", "cluster-adapter.js"], ["@socket.io/redis-adapter", "sharded-adapter.js"]] as const) {
      expect(readFileSync(libraryFile(pkg, file), "utf8"), `${pkg}/${file}`).not.toMatch(/sids\.get\(|sids\.forEach|sids\.values\(/);
    }
    const adapter = new Adapter(fakeNamespace() as never) as unknown as { _del(room: string, id: string): void; addAll(id: string, r: Set<string>): void; rooms: Map<string, Set<string>> };
    const left: string[] = [];
    (adapter as unknown as Adapter).on("leave-room", (room: string, id: string) => left.push(`${room}:${id}`));
    adapter.addAll("s1", new Set(["r1"]));
    adapter._del("r1", "s1");
    expect([left, adapter.rooms.size]).toEqual([["r1:s1"], 0]);
  });

  it("@socket.io/redis-adapter: dynamic-private channels, instance-looked-up onRawMessage, one create-room listener", async () => {
    const subscribed = new Map<string, (message: Buffer, channel: Buffer) => void>();
    const sub = {
      sSubscribe: async (channel: string, listener: (m: Buffer, c: Buffer) => void) => void subscribed.set(channel, listener),
      sUnsubscribe: async () => undefined,
    };
    // Delivers to the subscriber like Redis: the patched adapter proves a subscription with a probe.
    const pub = { sPublish: async (channel: string, message: string) => (subscribed.get(channel)?.(Buffer.from(message), Buffer.from(channel)), 1) };
    const stock = createShardedAdapter(pub, sub, { subscriptionMode: "dynamic-private" })(fakeNamespace()) as unknown as ShardedInternals &
      Adapter;
    expect(stock.opts.subscriptionMode).toBe("dynamic-private");
    expect(stock.dynamicChannel("lobby")).toBe(roomChannel("lobby"));
    expect(typeof stock.doPublish).toBe("function");
    expect(stock.listeners("create-room")).toHaveLength(1);
    // The constructor's namespace-channel handler calls `this.onRawMessage`, so an own property wins.
    const seen: string[] = [];
    stock.onRawMessage = (m: Buffer) => void seen.push(m.toString());
    subscribed.get("socket.io#/#")!(Buffer.from("x"), Buffer.from("socket.io#/#"));
    expect(seen).toEqual(["x"]);

    // And our factory's patched adapter: room entries reach the bus, others the stock decoder.
    const bus = new EntryBus();
    const got: string[] = [];
    bus.listen((room, entries) => got.push(`${room}:${entries.map((e) => e.text).join(",")}`));
    const ours = createChatShardedAdapter(pub, sub, { bus })(fakeNamespace()) as unknown as Adapter & { whenSubscribed(r: string): Promise<void> };
    await ours.addAll("s1", new Set(["lobby"]));
    await ours.whenSubscribed("lobby");
    const payload = `!{"r":"lobby","e":[["1700000000000-0","","s9","chat",{"t":"hi","u":{"id":"u","name":"U","role":"viewer"}}]]}`;
    subscribed.get(roomChannel("lobby"))!(Buffer.from(payload), Buffer.from(roomChannel("lobby")));
    expect(got).toEqual(["lobby:hi"]);
  });
});
