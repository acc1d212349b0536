import { describe, expect, it } from "vitest";
import { insertionIndex, MessageWindow } from "./message-window.js";
import { message } from "./testing/harness.js";

describe("MessageWindow", () => {
  it("keeps the newest messages ascending by id whatever order they came in, each once", () => {
    const w = new MessageWindow(3);
    w.add(["0005", "0002", "0004"].map((id) => message("r", id)));
    w.add([message("r", "0003"), message("r", "0004")]);
    expect(w.messages.map((m) => m.id)).toEqual(["0003", "0004", "0005"]);
    expect(w.remove("0004")).toBe(true);
    expect(w.remove("0004")).toBe(false);
    w.retain((m) => m.id > "0003");
    expect(w.messages.map((m) => m.id)).toEqual(["0005"]);
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
