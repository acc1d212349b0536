/**
 * Moderation notices: what the room's moderators (and the replicas serving them) must hear about
 * a room, that is not history. The store publishes them on the room's own channel, like its
 * entries (redis/notices-payload.ts), so every replica with members in the room gets them, in the
 * order they were announced, and no other replica does.
 */
import type { BlockedTerm, HeldMessage, Moderator, ModerationLogEntry, QueueResolution, ReportedMessage } from "../protocol/index.js";

export type ModerationNotice =
  /** Messages were held (delay or review); each replica also learns when a delayed one is due. */
  | { type: "held"; messages: HeldMessage[] }
  /** Items left the review queue: held messages released, approved, denied or dropped; reports dismissed or deleted. */
  | { type: "resolved"; items: QueueResolution[] }
  | { type: "report"; report: ReportedMessage }
  | { type: "log"; entry: ModerationLogEntry }
  /** The appointed moderators changed; `changed` is whose role did. */
  | { type: "moderators"; moderators: Moderator[]; changed: { userId: string; appointed: boolean } }
  /** The room's blocked terms changed (replicas drop their compiled matcher). */
  | { type: "terms"; terms: BlockedTerm[] };
