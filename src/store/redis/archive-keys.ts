/**
 * Where the write-behind's marks live in Redis (docs/archive-design.md). A Lua script may only
 * touch keys of one slot, and APPEND must mark a room in the same step that stores its entries, so
 * the set of rooms with unarchived entries is per slot: `<prefix>:{<tag>}:unarchived`, where
 * `<tag>` is a short string whose hash slot is that slot. A sweeper reads the sets of its shard's
 * slots in one script (archive-lua.ts, SWEEP_SCAN).
 */
import { hashSlot } from "../../redis/hash-slot.js";
import { roomKey } from "./room-channel.js";

export const SLOT_COUNT = 16_384;

let tags: string[] | undefined;

/**
 * The first `String(n)` whose hash slot is `slot`. Found for all slots at once on first use
 * (about 110,000 CRC16s of short strings, well under 100 ms), then kept: the table is a pure
 * function of the slot, the same in every process.
 */
export function slotTag(slot: number): string {
  if (!tags) {
    const found: string[] = new Array<string>(SLOT_COUNT);
    let missing = SLOT_COUNT;
    for (let n = 0; missing > 0; n++) {
      const s = hashSlot(String(n));
      if (found[s] === undefined) {
        found[s] = String(n);
        missing--;
      }
    }
    tags = found;
  }
  return tags[slot]!;
}

/** The set of rooms of `slot` with entries not archived yet, scored by the oldest such entry's time (ms). */
export function unarchivedKey(keyPrefix: string, slot: number): string {
  return `${keyPrefix}:{${slotTag(slot)}}:unarchived`;
}

/** The unarchived set of the room's slot (the slot of every key of the room). */
export function roomUnarchivedKey(keyPrefix: string, room: string): string {
  return unarchivedKey(keyPrefix, hashSlot(roomKey(keyPrefix, room, "h")));
}

/** A shard's sweeper lease, in the shard's first slot (the shard keeps it across a failover). */
export function leaseKey(keyPrefix: string, firstSlot: number): string {
  return `${keyPrefix}:{${slotTag(firstSlot)}}:archive-lease`;
}

/**
 * A room's key name around the room id, for scripts that build room keys of many rooms
 * (SWEEP_SCAN reads each marked room's backlog count): `head .. room .. tail`.
 */
export function roomKeyParts(keyPrefix: string, suffix: string): { head: string; tail: string } {
  const marker = "\u0000";
  const [head, tail] = roomKey(keyPrefix, marker, suffix).split(marker) as [string, string];
  return { head, tail };
}

/** The suffixes of a room's write-behind keys (beside `h` stream and `p` publish cursor). */
export const ARCHIVE_SUFFIX = {
  /** Stream id of the newest entry archived (everything up to it is in the archive). */
  checkpoint: "a",
  /** How many entries past the checkpoint were added and not archived yet (the backlog metric). */
  count: "u",
  /** Moderator deletions the archive has not seen yet: stream id -> JSON {by, at[, k, m]}. */
  deletions: "d",
} as const;
