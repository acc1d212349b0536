import { describe, expect, it } from "vitest";
import { PagePrefs } from "./page-prefs.js";

function memoryStore() {
  const map = new Map<string, string>();
  return { map, getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
}

describe("PagePrefs", () => {
  it("keeps name and rooms across instances and ignores corrupt entries", () => {
    const store = memoryStore();
    const a = new PagePrefs(store);
    a.name = "Alice";
    a.rooms = ["r1", "r2"];
    const b = new PagePrefs(store);
    expect(b.name).toBe("Alice");
    expect(b.rooms).toEqual(["r1", "r2"]);
    store.setItem("live-chat:rooms", "{not json");
    store.setItem("live-chat:name", "42");
    expect(b.rooms).toEqual([]);
    expect(b.name).toBeUndefined();
  });
});
