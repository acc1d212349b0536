/**
 * The in-memory store's checks of one draft, in the order the Redis store's APPEND script makes
 * them (redis/append-lua.ts): open room, ban, mute, the chat modes, slow mode, unique chat. Kept
 * apart from the store so the two implementations can be read side by side.
 */
import type { RoomSettings } from "../protocol/index.js";
import type { AppendOutcome, MessageDraft } from "./message-store.js";

/** What the checks read of a room. */
export interface DraftCheckState {
  closed: boolean;
  settings: RoomSettings;
  /** User id -> when the ban ends (Infinity: until lifted). */
  bans: ReadonlyMap<string, number>;
  /** User id -> when the mute ends. */
  mutes: ReadonlyMap<string, number>;
  /** User id -> when their last slow-mode-counted message was stored. */
  pace: ReadonlyMap<string, number>;
  /** Unique-chat key -> when it expires. */
  unique: ReadonlyMap<string, number>;
}

/** Why the draft is refused (an outcome), or undefined when it passes. */
export function refusalOf(draft: MessageDraft, state: DraftCheckState, now: number): AppendOutcome | undefined {
  if (draft.exempt) return undefined;
  if (state.closed) return { refused: "closed" };
  const userId = draft.user.id;
  const bannedUntil = state.bans.get(userId) ?? 0;
  if (bannedUntil > now) return bannedUntil === Infinity ? { refused: "banned" } : { refused: "banned", retryAfterMs: bannedUntil - now };
  const mutedUntil = draft.kind === "notice" ? 0 : (state.mutes.get(userId) ?? 0);
  if (mutedUntil > now) return { mutedForMs: mutedUntil - now };
  if (draft.modExempt) return undefined;
  const { settings } = state;
  if (settings.subscribersOnly || settings.followersOnlySec !== undefined) {
    const claims = draft.claims;
    if (!claims) return { refused: "sign_in_required" };
    if (settings.subscribersOnly && !claims.subscriber) return { refused: "subscribers_only" };
    if (settings.followersOnlySec !== undefined) {
      if (claims.followedAt === null) return { refused: "followers_only" };
      const oldEnough = claims.followedAt + settings.followersOnlySec * 1000;
      if (now < oldEnough) return { refused: "follow_too_recent", retryAfterMs: oldEnough - now };
    }
  }
  const slowMs = settings.slowModeSec * 1000;
  const last = state.pace.get(userId);
  if (slowMs > 0 && last !== undefined && now - last < slowMs) return { refused: "slow_mode", retryAfterMs: last + slowMs - now };
  if (settings.uniqueChat && draft.uniqueKey !== undefined && (state.unique.get(draft.uniqueKey) ?? 0) > now) return { refused: "unique_chat" };
  return undefined;
}

/** Whether a draft that passed is held: for review, or while the room has a delay (not the streamer's, not a moderator's). */
export function holdsDraft(draft: MessageDraft, settings: RoomSettings): boolean {
  return draft.review !== undefined || ((settings.delaySec ?? 0) > 0 && !draft.exempt && !draft.modExempt);
}
