import type { MessageKind, User } from "../protocol/index.js";

/** What a room's history holds: chat and question messages, and streamers' notices. */
export type StoredKind = MessageKind | "notice";

export interface StoredMessage {
  id: string;
  room: string;
  kind: StoredKind;
  text: string;
  user: User;
  ts: number;
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
}

export type AppendOutcome =
  | {
      /** The stored entry's id (the first one's, for a duplicate). */
      id: string;
      /** True when the dedup key was seen before: nothing new was stored. */
      duplicate: boolean;
      mutedForMs?: undefined;
    }
  | {
      /** The author is muted in this room for this long: nothing was stored. */
      mutedForMs: number;
      id?: undefined;
      duplicate?: undefined;
    };

export interface HistoryResult {
  /** True when `since` was found: `messages` are exactly the ones after it. */
  recovered: boolean;
  /** Chat and question messages, oldest first (notices are reported by {@link MessageStore.notice}). */
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
   * Stores drafts for one room in order, as one atomic step per call: per draft a dedup check, a
   * mute check (not for notices) and the append. Resolves when every stored entry is durable.
   * Throws {@link StoreUnavailableError} when the store cannot be reached or cannot confirm
   * durability: then the caller must not report success, and a retry with the same dedup keys
   * stores each draft at most once.
   */
  append(room: string, drafts: MessageDraft[]): Promise<AppendOutcome[]>;
  /** Mutes `userId` in `room` for `durationSec`; returns when it ends (ms since the epoch). */
  mute(room: string, userId: string, durationSec: number): Promise<number>;
  /**
   * Published messages after `since` (recovered), or the latest ones when `since` is absent or
   * unknown; never more than the history size. Entries not yet published are left out: they
   * reach a subscribed client live.
   */
  history(room: string, since?: string): Promise<HistoryResult>;
  /** The room's current (latest published) notice, or null. */
  notice(room: string): Promise<StoredMessage | null>;
  /** Removes one message from history (moderation); false when it is not there. */
  remove(room: string, id: string): Promise<boolean>;
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
}

export interface MemoryLimits {
  /**
   * Rooms the in-memory store keeps; past it, the room idle longest is dropped (history, dedup keys
   * and mutes), as Redis would evict under `maxmemory`. Bounds the embedded server's heap whatever
   * clients write to.
   * @default 10000
   */
  maxRooms: number;
}

export const defaultMessageStoreOptions: MessageStoreOptions = {
  historySize: 100,
  historyTtlSec: 86_400,
  dedupTtlSec: 600,
};
