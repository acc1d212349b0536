import { describe, expect, it } from "vitest";
import { hashSlot } from "../../redis/hash-slot.js";
import { roomChannel, roomKey, roomOfChannel } from "./room-channel.js";

describe("room channel and keys", () => {
  it("puts every key of a room in the slot of the room's channel", () => {
    for (const room of ["lobby", "a", "Room_42-x", "x".repeat(64)]) {
      const slot = hashSlot(roomChannel(room));
      for (const suffix of ["h", "p", "n", "c:u:bob:1"]) expect(hashSlot(roomKey("chat", room, suffix))).toBe(slot);
    }
  });

  it("reads the room back from its channel name", () => {
    expect(roomChannel("lobby")).toBe("socket.io#/#lobby#");
    expect(roomOfChannel("socket.io#/#lobby#")).toBe("lobby");
    expect(roomOfChannel("socket.io#/#")).toBeUndefined();
    expect(roomOfChannel("other#/#lobby#")).toBeUndefined();
  });
});
