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
  room: string;
  kind: StoredKind;
  text: string;
  user: User;
  /** Dedup key: the same clientId in the same room is stored once. */
  clientId: string;
}

export type AppendResult =
  | {
      message: StoredMessage;
      /** True when the clientId was seen before: nothing new was stored, `message.id` is the first id. */
      duplicate: boolean;
      /** The room's previous entry id when this one was stored (null for the first; undefined on a duplicate). */
      prev?: string | null;
      mutedForMs?: undefined;
    }
  | {
      /** The author is muted in this room for this long: nothing was stored. */
      mutedForMs: number;
      message?: undefined;
      duplicate?: undefined;
    };

export interface HistoryResult {
  /** True when `since` was found: `messages` are exactly the ones after it. */
  recovered: boolean;
  /** Chat and question messages, oldest first (notices are reported by {@link MessageStore.notice}). */
  messages: StoredMessage[];
}

/**
 * A room's recent messages. Implementations: in-memory (embedded default) and Redis Streams. Both
 * run through one shared test suite (message-store.suite.ts).
 */
export interface MessageStore {
  /**
   * Mute check, dedup by clientId, append, and (for a notice) make it the room's current notice,
   * as one atomic step per room (one round trip on the hot path). Throws
   * {@link StoreUnavailableError} when the backing store cannot be reached.
   */
  append(draft: MessageDraft): Promise<AppendResult>;
  /** Mutes `userId` in `room` for `durationSec`; returns when it ends (ms since the epoch). */
  mute(room: string, userId: string, durationSec: number): Promise<number>;
  /** Messages after `since` (recovered), or the latest ones when `since` is absent or unknown. */
  history(room: string, since?: string): Promise<HistoryResult>;
  /** The room's current notice, or null. */
  notice(room: string): Promise<StoredMessage | null>;
  /** Removes one message from history (moderation); false when it is not there. */
  remove(room: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The backing store is unreachable; nothing was stored. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}

export interface MessageStoreOptions {
  /**
   * Messages (including notices) kept per room.
   * @default 100
   */
  historySize: number;
  /**
   * Seconds a room's history lives after its last message, so abandoned rooms do not grow forever.
   * @default 86400
   */
  historyTtlSec: number;
  /**
   * Seconds a clientId is remembered for dedup (clients retry within seconds to minutes).
   * @default 600
   */
  dedupTtlSec: number;
}

export const defaultMessageStoreOptions: MessageStoreOptions = {
  historySize: 100,
  historyTtlSec: 86_400,
  dedupTtlSec: 600,
};
