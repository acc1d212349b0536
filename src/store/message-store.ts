/**
 * The MessageStore contract: its drafts, outcomes, options and the interface. A little past 300
 * lines on purpose: the outcomes' union (stored, muted, refused, held) reads best beside the
 * interface that returns it; what a release reports is in held-release.ts.
 */
import { MAX_SLOW_MODE_SEC, type ConfigureRequest, type EntryKind, type HeldMessage, type HeldReceipt, type ReplyRef, type RoomSettings, type User } from "../protocol/index.js";
import type { ModerationNotice } from "./moderation-notice.js";
import type { ReleaseResult } from "./held-release.js";

export type { ReleaseResult, ReleasedItem } from "./held-release.js";

/**
 * What a room's history holds: chat and question messages, streamers' notices, and `clear`
 * markers (the chat before one was cleared: history reads start after the newest).
 */
export type StoredKind = EntryKind;

export interface StoredMessage {
  id: string;
  room: string;
  kind: StoredKind;
  text: string;
  user: User;
  ts: number;
  /** Posted by the site's backend (HTTP API), not by a connected user. */
  system?: true;
  /** The message it replies to (issue #21). */
  replyTo?: ReplyRef;
}

/**
 * A room's entry as the store publishes it once durable: in history order, with the id of the
 * entry stored before it (`prev`) and the socket that sent it (`sender`, left out of that socket's
 * live delivery). The Redis store publishes them on the room's channel (redis/entries-payload.ts);
 * the in-memory store hands them over directly.
 */
export interface PublishedEntry extends StoredMessage {
  /** Wire id of the room's previous stored entry, or null for the first. */
  prev: string | null;
  /** Socket id of the sender ("" for entries no socket sent). */
  sender: string;
}

export interface MessageDraft {
  kind: StoredKind;
  text: string;
  user: User;
  /**
   * Dedup key within the room: a draft whose key was stored before (within `dedupTtlSec`) stores
   * nothing and returns the first id. The chat layer scopes it by user (see `dedupKeyOf`).
   */
  dedupKey: string;
  /** Socket id of the sender, left out of that socket's live delivery; "" for none. */
  sender: string;
  /**
   * The room's own streamer or the site: no ban, mute or slow-mode check (notices and clear markers
   * skip the mute check anyway). @default false
   */
  exempt?: boolean;
  /** Posted by the site's backend (stored and delivered with `system: true`). @default absent */
  system?: true;
  /**
   * What the request that made this draft said (e.g. a hash of an API call's body): a draft whose
   * dedup key was stored with another fingerprint is refused as a `conflict`. @default ""
   */
  fingerprint?: string;
  /**
   * A moderator of the room: exempt from slow mode, the chat modes and the delay (not from bans
   * and mutes, which only the streamer's own messages skip). @default false
   */
  modExempt?: boolean;
  /**
   * What the chat modes look at, from the author's token: `subscriber` (the badge) and when they
   * followed (ms since the epoch, or null). Absent: an anonymous viewer. @default absent
   */
  claims?: DraftClaims;
  /** Unique chat's key: a hash of the normalised text. Absent: not checked, not recorded. @default absent */
  uniqueKey?: string;
  /** Hold it for a moderator's review (a blocked term whose action is `hold`). @default absent */
  review?: { term: string };
  /** The message it replies to. @default absent */
  replyTo?: ReplyRef;
}

export interface DraftClaims {
  subscriber: boolean;
  followedAt: number | null;
}

/** Why a draft was not stored (besides a mute, reported as `mutedForMs`). */
export type Refusal =
  /** The author is banned from the room; `retryAfterMs` when the ban is timed. */
  | "banned"
  /** Slow mode: the author's previous message is too recent; `retryAfterMs` says how long to wait. */
  | "slow_mode"
  /** The dedup key was stored before with another fingerprint. */
  | "conflict"
  /** `requireOpenRooms` is on and the room's streamer (or the site) has not opened the room. */
  | "closed"
  /** Subscribers- or followers-only mode and an anonymous author. */
  | "sign_in_required"
  /** Subscribers-only mode, and no `subscriber` badge. */
  | "subscribers_only"
  /** Followers-only mode, and no follow. */
  | "followers_only"
  /** Followers-only mode, and a follow younger than the minimum; `retryAfterMs` until old enough. */
  | "follow_too_recent"
  /** Unique chat: the same normalised text within the window. */
  | "unique_chat"
  /** The room's review queue is full. */
  | "queue_full"
  /** The dedup key names a held message a moderator denied. */
  | "denied";

export type AppendOutcome =
  | {
      /** The stored entry's id (the first one's, for a duplicate). */
      id: string;
      /** True when the dedup key was seen before: nothing new was stored. */
      duplicate: boolean;
      mutedForMs?: undefined;
      refused?: undefined;
      retryAfterMs?: undefined;
      held?: undefined;
      releaseInMs?: undefined;
    }
  | {
      /** The author is muted in this room for this long: nothing was stored. */
      mutedForMs: number;
      id?: undefined;
      duplicate?: undefined;
      refused?: undefined;
      retryAfterMs?: undefined;
      held?: undefined;
      releaseInMs?: undefined;
    }
  | {
      /** Nothing was stored. */
      refused: Refusal;
      retryAfterMs?: number;
      id?: undefined;
      duplicate?: undefined;
      mutedForMs?: undefined;
      held?: undefined;
      releaseInMs?: undefined;
    }
  | {
      /** Held (the room's delay, or a review): stored when released or approved. */
      held: HeldReceipt;
      /** True when the dedup key named a message held before: nothing new was held. */
      duplicate: boolean;
      /** With a delay: ms until release, by the store's clock (the timer's wait). */
      releaseInMs?: number;
      id?: undefined;
      mutedForMs?: undefined;
      refused?: undefined;
      retryAfterMs?: undefined;
    };

/** What a join needs to know about a room and its user, in one read. */
export interface RoomAccess {
  settings: RoomSettings;
  /** The user's ban in the room, or null; `until` null = until lifted. */
  ban: { until: number | null } | null;
  /** Whether the user is an appointed moderator of the room (the moderation store's list, read in the same step). */
  appointed: boolean;
}

/** A settings change: the fields given (see ConfigureRequest). */
export type SettingsChange = Omit<ConfigureRequest, "room">;

/** A room's settings when none were ever set. */
export const DEFAULT_ROOM_SETTINGS: RoomSettings = { slowModeSec: 0 };

export interface HistoryResult {
  /** True when `since` was found: `messages` are exactly the ones after it. */
  recovered: boolean;
  /**
   * Chat and question messages, oldest first (notices are reported by {@link MessageStore.notice}),
   * never from before the room's newest clear marker. When a marker falls after `since`, the
   * result is a fresh start (`recovered: false`): the client drops what it shows.
   */
  messages: StoredMessage[];
}

/**
 * A room's recent entries. Implementations: in-memory (embedded default) and Redis Streams; both
 * run through one shared test suite (message-store.suite.ts).
 *
 * The store also **publishes**: every stored entry is handed to the room's subscribers exactly
 * once, in history order, with the id of the entry before it, and only once it is durable (for
 * Redis: on the room's master and confirmed by its replica when it has one). The in-memory store
 * calls its `publish` dependency; the Redis store publishes on the room's sharded channel from the
 * same Lua scripts that store, so every replica sees one order.
 */
export interface MessageStore {
  /**
   * Stores drafts for one room in order, as one atomic step per call: per draft a dedup check, then
   * (unless exempt) a ban, mute (not for notices) and slow-mode check, and the append; in slow
   * mode a stored non-exempt draft starts its author's interval. Resolves when every stored entry is durable.
   * Throws {@link StoreUnavailableError} when the store cannot be reached or cannot confirm
   * durability: then the caller must not report success, and a retry with the same dedup keys
   * stores each draft at most once.
   */
  append(room: string, drafts: MessageDraft[]): Promise<AppendOutcome[]>;
  /** Mutes `userId` in `room` for `durationSec`; returns when it ends (ms since the epoch). */
  mute(room: string, userId: string, durationSec: number): Promise<number>;
  /** Bans `userId` from `room` for `durationSec`, or until lifted; returns when it ends, or null. */
  ban(room: string, userId: string, durationSec?: number): Promise<number | null>;
  /** Lifts a ban; false when there was none. */
  unban(room: string, userId: string): Promise<boolean>;
  /** The room's settings and, with a user id, that user's ban (one read, for joins). */
  access(room: string, userId?: string): Promise<RoomAccess>;
  /** Changes the settings given (they last until changed); returns all of them as stored now. */
  configure(room: string, change: SettingsChange): Promise<RoomSettings>;
  /**
   * Opens the room for viewers' messages for `durationSec` (default: the history TTL); only
   * matters with `requireOpenRooms`. Returns when it closes again (ms since the epoch).
   */
  open(room: string, durationSec?: number): Promise<number>;
  /** The room's message `id` if history holds it (published or not), else null: for replies and reports. */
  message(room: string, id: string): Promise<StoredMessage | null>;
  /**
   * Stores the room's delayed messages that are due (releaseAt passed by the store's clock), in
   * due order, as one atomic step; each gets its id then, so the room's order stays the history
   * order. Idempotent: two replicas releasing at once store each message once.
   */
  releaseDue(room: string): Promise<ReleaseResult>;
  /** Stores one held message now (a moderator approved it); none when it is no longer held. */
  releaseHeld(room: string, heldId: string): Promise<ReleaseResult>;
  /** Removes a held message unstored (a moderator denied it); its clientId's retries then ack `denied`. Null when no longer held. */
  denyHeld(room: string, heldId: string): Promise<HeldMessage | null>;
  /** The room's held messages, oldest first. */
  held(room: string): Promise<HeldMessage[]>;
  /**
   * Publishes moderation notices on the room's channel (Redis) or to the notice listener (memory):
   * every replica with members in the room gets them, in the order this replica announced them.
   */
  announce(room: string, notices: ModerationNotice[]): Promise<void>;
  /**
   * Published messages after `since` (recovered), or the latest ones when `since` is absent or
   * unknown; never more than the history size. Entries not yet published are left out: they
   * reach a subscribed client live.
   */
  history(room: string, since?: string): Promise<HistoryResult>;
  /**
   * A backward page of the hot window (issue #20): the newest `limit` published entries strictly
   * older than `before` (every kind: messages, notices, clear markers), **oldest first**; with
   * `before` absent, the newest `limit`. Unpublished entries are left out, as {@link history}
   * does. A `before` that is no message id reads nothing. Older entries than the window holds are
   * the archive's (src/rooms/history-pages.ts joins the two).
   */
  entriesBefore(room: string, before: string | undefined, limit: number): Promise<StoredMessage[]>;
  /**
   * A user's entries in the hot window of every room, for erasure (privacy requests) when no
   * archive lists them. Only the in-memory store has it (one process holds every room); the Redis
   * store's streams beyond the archive are the write-behind's backlog, which the archive's
   * erasure mark refuses (docs/archive-design.md, "Deletions, erasure, retention"). @default absent
   */
  userEntries?(userId: string): Promise<StoredMessage[]>;
  /** The room's current (latest published) notice, or null. */
  notice(room: string): Promise<StoredMessage | null>;
  /**
   * Removes one message from history (moderation); false when it is not there. With an archive,
   * the archived entry is flagged deleted `by` (a moderator's user id, or "api" for the site), and
   * an entry only the archive still holds counts as there. @default by "api"
   */
  remove(room: string, id: string, by?: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The backing store is unreachable or could not confirm durability; nothing is acknowledged. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}

export interface MessageStoreOptions {
  /**
   * Entries (messages and notices) kept per room.
   * @default 100
   */
  historySize: number;
  /**
   * Seconds a room's history lives after its last message, so abandoned rooms do not grow forever.
   * @default 86400
   */
  historyTtlSec: number;
  /**
   * Seconds a dedup key is remembered (clients retry within seconds to minutes).
   * @default 600
   */
  dedupTtlSec: number;
  /**
   * Only rooms a streamer opened (joined with its token) or the site opened through the API accept
   * viewers' messages; other rooms refuse them (`closed`). Stops anyone from filling storage with
   * messages to rooms nobody runs.
   * @default false
   */
  requireOpenRooms: boolean;
  /**
   * Held messages one room's review queue keeps (delayed and for review); past it sends that
   * would be held are refused (`queue_full`). 100 messages/s for the 10 s delay is 1,000.
   * @default 2000
   */
  heldPerRoom: number;
}

/**
 * How long a slow-mode pace mark lasts: the longest interval (MAX_SLOW_MODE_SEC), so a raised
 * interval applies from the next message on.
 */
export const PACE_TTL_MS = MAX_SLOW_MODE_SEC * 1000;

export interface MemoryLimits {
  /**
   * Rooms the in-memory store keeps; past it, the room idle longest is dropped (history, dedup keys
   * and mutes), as Redis would evict under `maxmemory`. Bounds the embedded server's heap whatever
   * clients write to.
   * @default 10000
   */
  maxRooms: number;
}

export const defaultMemoryLimits: MemoryLimits = { maxRooms: 10_000 };

export const defaultMessageStoreOptions: MessageStoreOptions = {
  historySize: 100,
  historyTtlSec: 86_400,
  dedupTtlSec: 600,
  requireOpenRooms: false,
  heldPerRoom: 2_000,
};
