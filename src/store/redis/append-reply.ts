/** APPEND's reply (append-lua.ts), one array per draft, as the store's outcomes. */
import { streamIdToMessageId } from "../message-id.js";
import type { AppendOutcome, Refusal } from "../message-store.js";

/** What APPEND returns per draft: a code and up to three values. */
export type AppendReply = [number, string?, string?, string?];

/** One draft's outcome from APPEND's reply (codes: append-lua.ts). */
export function appendOutcome([code, value, due, now]: AppendReply): AppendOutcome {
  switch (Number(code)) {
    case 2:
      return { mutedForMs: Number(value) };
    case 3:
      return Number(value) < 0 ? { refused: "banned" } : { refused: "banned", retryAfterMs: Number(value) };
    case 4:
      return { refused: "slow_mode", retryAfterMs: Number(value) };
    case 5:
      return { refused: "conflict" };
    case 6:
      return { refused: "closed" };
    case 7:
    case 12: {
      const releaseAt = Number(due);
      const held = { id: value!, reason: releaseAt > 0 ? ("delay" as const) : ("review" as const), releaseAt: releaseAt > 0 ? releaseAt : null };
      return releaseAt > 0
        ? { held, duplicate: Number(code) === 12, releaseInMs: Math.max(0, releaseAt - Number(now)) }
        : { held, duplicate: Number(code) === 12 };
    }
    case 8:
      return { refused: "denied" };
    case 9:
      return Number(due) > 0 ? { refused: value as Refusal, retryAfterMs: Number(due) } : { refused: value as Refusal };
    case 10:
      return { refused: "unique_chat" };
    case 11:
      return { refused: "queue_full" };
    default:
      return { id: streamIdToMessageId(value!), duplicate: Number(code) === 1 };
  }
}
