import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../protocol/index.js";
import { PageStorage } from "./storage.js";

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

const msg = (id: string): ChatMessage => ({
  id,
  room: "r1",
  kind: "chat",
  text: `m${id}`,
  user: { id: "u", name: "U", role: "viewer" },
  ts: 1,
});

describe("PageStorage", () => {
  it("keeps name, rooms and a capped room snapshot across instances", () => {
    const store = memoryStorage();
    const a = new PageStorage(store, { cachedMessages: 2 });
    a.name = "Alice";
    a.rooms = ["r1", "r2"];
    a.saveRoom("r1", { lastId: "3", messages: [msg("1"), msg("2"), msg("3")] });

    const b = new PageStorage(store, { cachedMessages: 2 });
    expect(b.name).toBe("Alice");
    expect(b.rooms).toEqual(["r1", "r2"]);
    expect(b.room("r1")).toEqual({ lastId: "3", messages: [msg("2"), msg("3")] });
    b.forgetRoom("r1");
    expect(b.room("r1")).toEqual({ lastId: undefined, messages: [] });
  });

  it("ignores corrupt or foreign entries", () => {
    const store = memoryStorage();
    store.setItem("live-chat:rooms", "{not json");
    store.setItem("live-chat:room:r1", JSON.stringify({ lastId: 5, messages: [{ id: "1" }, msg("2")] }));
    const s = new PageStorage(store);
    expect(s.rooms).toEqual([]);
    expect(s.room("r1")).toEqual({ lastId: undefined, messages: [msg("2")] });
  });
});
