import { describe, expect, it } from "vitest";
import { insertionIndex, MessageLog } from "./message-log.js";

describe("MessageLog", () => {
  it("drops a repeated id and keeps the newest id for since", () => {
    const log = new MessageLog();
    expect(log.add("0002")).toBe(true);
    expect(log.add("0001")).toBe(true);
    expect(log.add("0002")).toBe(false);
    expect(log.lastId).toBe("0002");
  });

  it("starts from a stored newest id and forgets everything on reset", () => {
    const log = new MessageLog({}, "0005");
    expect(log.lastId).toBe("0005");
    log.add("0006");
    log.reset();
    expect(log.lastId).toBeUndefined();
    expect(log.add("0006")).toBe(true);
  });

  it("tells a gap from an in-order or out-of-order live event by its prev", () => {
    const log = new MessageLog();
    expect(log.missed("0001")).toBe(false); // nothing seen yet: the join will bring history
    log.add("0003");
    expect(log.missed("0003")).toBe(false);
    expect(log.missed(null)).toBe(false);
    expect(log.missed("0002")).toBe(false);
    expect(log.missed("0004")).toBe(true);
    log.add("0004");
    expect(log.missed("0004")).toBe(false);
  });

  it("falls back to the newest remaining id when the newest is deleted", () => {
    const log = new MessageLog();
    for (const id of ["0001", "0003", "0002"]) log.add(id);
    log.remove("0002");
    expect(log.lastId).toBe("0003");
    log.remove("0003");
    expect(log.lastId).toBe("0001");
    expect(log.has("0003")).toBe(false);
  });

  it("remembers at most maxIds ids, forgetting the oldest first", () => {
    const log = new MessageLog({ maxIds: 2 });
    log.add("a");
    log.add("b");
    log.add("c");
    expect(log.has("a")).toBe(false);
    expect(log.has("b") && log.has("c")).toBe(true);
  });
});

describe("insertionIndex", () => {
  const ids = ["01", "03", "05"];
  it.each([
    ["06", 3],
    ["04", 2],
    ["00", 0],
  ])("puts %s at %i", (id, at) => {
    expect(insertionIndex(ids.length, (i) => ids[i]!, id)).toBe(at);
  });
});
