/** The room rules on socket.io's in-memory adapter, without a server: what each method stores and emits. */
import { Adapter } from "socket.io-adapter";
import { describe, expect, it } from "vitest";
import { withChatRooms } from "./chat-rooms.js";

const ChatAdapter = withChatRooms(Adapter);

function setup() {
  const sockets = new Map<string, { id: string }>();
  const nsp = { name: "/", sockets, server: { encoder: { encode: (p: unknown) => [JSON.stringify(p)] } } };
  const adapter = new (ChatAdapter as unknown as new (nsp: unknown) => Adapter)(nsp);
  const events: string[] = [];
  for (const e of ["create-room", "join-room", "leave-room", "delete-room"]) {
    adapter.on(e, (...args: string[]) => events.push(`${e}:${args.join(",")}`));
  }
  const connect = (id: string) => {
    sockets.set(id, { id });
    // What Socket.IO does on connect: join the socket's own room.
    adapter.addAll(id, new Set([id]));
  };
  const sids = (adapter as unknown as { sids: Map<string, unknown> }).sids;
  return { adapter, events, connect, sids };
}

describe("withChatRooms", () => {
  it("stores no per-socket room, but keeps an entry for a socket in no room (broadcast to all finds it)", async () => {
    const { adapter, events, connect, sids } = setup();
    connect("s1");
    expect(adapter.rooms.size).toBe(0);
    expect(sids.has("s1")).toBe(true);
    expect(adapter.socketRooms("s1")).toEqual(new Set());
    expect(events).toEqual([]);
    const all = await adapter.fetchSockets({ rooms: new Set(), except: new Set() });
    expect(all.map((s) => s.id)).toEqual(["s1"]);
  });

  it("keeps one room as its name, two or more as a Set, and back", () => {
    const { adapter, events, connect, sids } = setup();
    connect("s1");
    adapter.addAll("s1", new Set(["a"]));
    expect(sids.get("s1")).toBe("a");
    expect(adapter.socketRooms("s1")).toEqual(new Set(["a"]));
    adapter.addAll("s1", new Set(["a"]));
    adapter.addAll("s1", new Set(["b", "c"]));
    expect(sids.get("s1")).toEqual(new Set(["a", "b", "c"]));
    adapter.del("s1", "b");
    adapter.del("s1", "c");
    expect(sids.get("s1")).toBe("a");
    adapter.del("s1", "a");
    adapter.del("s1", "a");
    expect(adapter.socketRooms("s1")).toEqual(new Set());
    expect(adapter.rooms.size).toBe(0);
    expect(events).toEqual([
      "create-room:a",
      "join-room:a,s1",
      "create-room:b",
      "join-room:b,s1",
      "create-room:c",
      "join-room:c,s1",
      "leave-room:b,s1",
      "delete-room:b",
      "leave-room:c,s1",
      "delete-room:c",
      "leave-room:a,s1",
      "delete-room:a",
    ]);
  });

  it("delAll leaves every room (one or many) and drops the entry; shared rooms survive", () => {
    const { adapter, events, connect, sids } = setup();
    connect("s1");
    connect("s2");
    adapter.addAll("s1", new Set(["a"]));
    adapter.addAll("s2", new Set(["a", "b"]));
    events.length = 0;
    adapter.delAll("s2");
    expect(events).toEqual(["leave-room:a,s2", "leave-room:b,s2", "delete-room:b"]);
    adapter.delAll("s1");
    expect([sids.size, adapter.rooms.size]).toEqual([0, 0]);
  });

  it("an entry that is never mutated: one socket's rooms never leak into another's", () => {
    const { adapter, connect } = setup();
    connect("s1");
    connect("s2");
    adapter.socketRooms("s1")!.add("x");
    adapter.addAll("s1", new Set(["a"]));
    adapter.del("s1", "a");
    expect([...adapter.socketRooms("s2")!]).toEqual([]);
  });

  it("excludes a sender named by its socket id, and the members of excepted rooms", () => {
    const { adapter, connect } = setup();
    for (const id of ["s1", "s2", "s3"]) connect(id);
    adapter.addAll("s1", new Set(["a"]));
    adapter.addAll("s2", new Set(["a", "b"]));
    adapter.addAll("s3", new Set(["a"]));
    const except = (adapter as unknown as { computeExceptSids(r: Set<string>): Set<string> }).computeExceptSids(new Set(["s1", "b", "nobody"]));
    expect(except).toEqual(new Set(["s1", "s2"]));
  });
});
