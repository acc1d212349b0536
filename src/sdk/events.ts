/** The events a {@link ChatClient} and a room subscription emit, one payload object each. */
import type {
  BatchEntry,
  BlockedTerm,
  ChatMessage,
  HeldMessage,
  Moderator,
  ModerationLogEntry,
  Notice,
  QueueResolution,
  ReportedMessage,
  Role,
  RoomSettings,
  User,
} from "../protocol/index.js";
import type { ChatError } from "./chat-error.js";
import type { Outgoing } from "./outbox.js";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "refused";

export interface ClientEvents {
  state: { state: ConnectionState; previous: ConnectionState };
}

/**
 * `idle` until `join()`; `joining` while (re)joining, also while the connection is down; `joined`;
 * `failed` after an error no retry fixes (`error`); `left` for good.
 */
export type RoomState = "idle" | "joining" | "joined" | "failed" | "left";

export interface RoomEvents {
  state: { state: RoomState; previous: RoomState; error?: ChatError };
  /**
   * Every answered join: the first, each re-join after a reconnect, and each refill. `recovered`
   * says whether the server had everything after our `since`. `startOver` is set when it did not
   * and we had shown messages: they no longer connect to what comes now, and the `messages` event
   * that follows has `reset` set.
   */
  joined: { recovered: boolean; startOver: boolean; refill: boolean; viewers: number };
  /**
   * Messages of others not shown before, ascending by id (a late one can be older than some shown:
   * insert by id). With `reset`, drop what you show and show `messages`: the whole snapshot.
   * Own messages come through `outgoing`.
   */
  messages: { messages: ChatMessage[]; reset: boolean };
  /** The room's current notice changed (null: none). */
  notice: { notice: Notice | null };
  viewers: { count: number };
  /** A message was removed (moderation). */
  deleted: { id: string };
  /**
   * The chat was cleared (by the streamer, or the site with `system`): every message with an id
   * below `id` is gone from the snapshot. A `messages` event with `reset` (what is left) follows.
   */
  cleared: { id: string; by: User; system: boolean };
  /** The room's settings (slow mode), from the join's answer and whenever they change. */
  settings: { settings: RoomSettings };
  /**
   * We were banned from the room (`until` null: until lifted): the room fails with a `forbidden`
   * error right after this event. Joining again is refused while the ban lasts.
   */
  banned: { until: number | null };
  /** A live entry of a kind this SDK does not know (a newer server): its id is recorded, nothing else. */
  entry: { entry: BatchEntry };
  /** Our role in the room: from each join's answer, and when the streamer appoints or removes us. */
  role: { role: Role };
  /**
   * An own message changed state. Once sent it is in the room's snapshot with its id; with
   * `alreadyReceived`, a re-join brought it first (after a lost ack), so it is already shown by a
   * `messages` event and its own row can go.
   */
  outgoing: { message: Outgoing; alreadyReceived: boolean };
}

/**
 * What a room's moderation team hears (`room.moderation`, for the room's streamer and moderators
 * only: the server sends nobody else these).
 */
export interface ModerationEvents {
  /** Messages were held (delay or review): not shown to anyone yet; approve, deny or let them be released. */
  held: { messages: HeldMessage[] };
  /** Items left the review queue (held messages released, approved, denied, dropped; reports dismissed or deleted). */
  resolved: { items: QueueResolution[] };
  /** A message was reported (the report item with every report so far). */
  report: { report: ReportedMessage };
  /** A moderation action was recorded. */
  log: { entry: ModerationLogEntry };
  /** The appointed moderators changed. */
  moderators: { moderators: Moderator[] };
  /** The room's blocked terms changed. */
  terms: { terms: BlockedTerm[] };
}
