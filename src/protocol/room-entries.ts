/**
 * A room's stored entries as the replay and export routes stream them (issue #20; docs/api.md):
 * one JSON object per NDJSON line, in id order. Unlike a {@link ChatMessage} it can be any kind of
 * entry (a notice, a clear marker), and an export marks what moderation deleted.
 */
import type { ReplyRef, User } from "./common.js";
import type { EntryKind } from "./events.js";

export interface RoomEntry {
  id: string;
  room: string;
  kind: EntryKind;
  text: string;
  user: User;
  /** Milliseconds since the epoch. */
  ts: number;
  system?: true;
  replyTo?: ReplyRef;
  /** Export only: who deleted it (a moderator's user id, or "api") and when. */
  deleted?: { by: string; at: number };
}
