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
