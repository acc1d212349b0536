/** What a release of held messages (MessageStore.releaseDue / releaseHeld) reports. */
import type { HeldMessage } from "../protocol/index.js";

/** What became of one held message when it was released or approved. */
export interface ReleasedItem {
  held: HeldMessage;
  /** Its sender's socket id ("" for none), left out of its live delivery. */
  sender: string;
  /** `stored` with its message id; `dropped` when its author was banned or muted meanwhile. */
  outcome: "stored" | "dropped";
  id?: string;
  dropped?: "banned" | "muted";
}

export interface ReleaseResult {
  items: ReleasedItem[];
  /** ms until the room's next delayed message is due, by the store's clock; null when none waits. */
  nextDueInMs: number | null;
}
