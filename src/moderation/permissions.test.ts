/** The permission table in docs/protocol.md is the one the code enforces (and the roles a user gets). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { VerifiedUser } from "../auth/token.js";
import { PERMISSIONS, ROOM_ACTIONS, can, requireAction, roleIn } from "./permissions.js";

const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

function documentedTable(): Map<string, { streamer: boolean; moderator: boolean; viewer: boolean }> {
  const block = /<!-- permissions:[^>]*-->([\s\S]*?)<!-- \/permissions -->/.exec(doc)?.[1];
  if (!block) throw new Error("docs/protocol.md has no permission table");
  const rows = new Map<string, { streamer: boolean; moderator: boolean; viewer: boolean }>();
  for (const line of block.split("\n")) {
    const cells = line.split("|").map((c) => c.trim()).filter((c) => c !== "");
    if (cells.length !== 5 || cells[0] === "action" || cells[0]!.startsWith("---")) continue;
    rows.set(cells[0]!, { streamer: cells[2] === "yes", moderator: cells[3] === "yes", viewer: cells[4] === "yes" });
  }
  return rows;
}

describe("permissions", () => {
  it("docs/protocol.md's table says what PERMISSIONS enforces, action by action", () => {
    const table = documentedTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(ROOM_ACTIONS).sort());
    for (const action of Object.keys(PERMISSIONS) as (keyof typeof PERMISSIONS)[]) {
      expect(table.get(action), action).toEqual({ streamer: can("streamer", action), moderator: can("moderator", action), viewer: can("viewer", action) });
    }
  });

  const now = 1_000_000;
  const user = (extra: Partial<VerifiedUser>): VerifiedUser => ({ id: "u", name: "U", role: "viewer", rooms: [], expiresAt: now + 1_000, ...extra });

  it("gives roles from the token (rooms, mod) and the appointment, while the token lasts", () => {
    expect(roleIn(user({ role: "streamer", rooms: ["r"] }), "r", false, now)).toBe("streamer");
    expect(roleIn(user({ role: "streamer", rooms: ["r"] }), "other", false, now)).toBe("viewer");
    expect(roleIn(user({ modRooms: ["r"] }), "r", false, now)).toBe("moderator");
    expect(roleIn(user({}), "r", true, now)).toBe("moderator");
    expect(roleIn(user({}), "r", false, now)).toBe("viewer");
    expect(roleIn(user({ role: "streamer", rooms: ["r"], expiresAt: now }), "r", false, now)).toBe("viewer");
    expect(roleIn({ id: "anon-1", name: "A", role: "viewer", rooms: [], ephemeral: true }, "r", true, now)).toBe("viewer");
  });

  it("refuses with forbidden, saying when the token's expiry is why", () => {
    expect(() => requireAction(user({}), "r", false, "ban", now)).toThrow(/only the streamer and moderators of "r" may ban users/);
    expect(() => requireAction(user({}), "r", true, "appoint", now)).toThrow(/only the streamer of "r" may appoint/);
    expect(() => requireAction(user({ modRooms: ["r"], expiresAt: now }), "r", false, "ban", now)).toThrow(/token has expired/);
    expect(requireAction(user({ modRooms: ["r"] }), "r", false, "ban", now)).toBe("moderator");
  });
});
