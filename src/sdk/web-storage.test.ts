import { describe, expect, it } from "vitest";
import { message } from "./testing/harness.js";
import { WebStorage, type KeyValueStore } from "./web-storage.js";

function memoryStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

describe("WebStorage", () => {
  it("keeps rooms and the session under its prefix, across instances", () => {
    const store = memoryStore();
    const a = new WebStorage({ store, prefix: "app:" });
    a.saveRoom("r1", { lastId: "3", messages: [message("r1", "2"), message("r1", "3")] });
    a.saveSession("s".repeat(32));
    const b = new WebStorage({ store, prefix: "app:" });
    expect(b.loadRoom("r1")).toEqual({ lastId: "3", messages: [message("r1", "2"), message("r1", "3")] });
    expect(b.loadSession()).toBe("s".repeat(32));
    expect([...store.map.keys()].sort()).toEqual(["app:room:r1", "app:session"]);
    b.forgetRoom("r1");
    expect(b.loadRoom("r1")).toBeUndefined();
  });

  it("ignores corrupt or foreign entries", () => {
    const store = memoryStore();
    store.setItem("live-chat:room:r1", JSON.stringify({ lastId: 5, messages: [{ id: "1" }, message("r1", "2")] }));
    store.setItem("live-chat:room:r2", "{not json");
    store.setItem("live-chat:session", "42");
    const s = new WebStorage({ store });
    expect(s.loadRoom("r1")).toEqual({ lastId: undefined, messages: [message("r1", "2")] });
    expect(s.loadRoom("r2")).toBeUndefined();
    expect(s.loadSession()).toBeUndefined();
  });

  it("works on in memory where there is no localStorage (Node) or it throws when written", () => {
    const s = new WebStorage(); // Node 20: no globalThis.localStorage
    s.saveRoom("r", { lastId: "1", messages: [] });
    expect(s.loadRoom("r")?.lastId).toBe("1");
    const full = { ...memoryStore(), setItem: () => { throw new Error("QuotaExceededError"); } };
    expect(() => new WebStorage({ store: full }).saveRoom("r", { lastId: "1", messages: [] })).not.toThrow();
  });
});
