import type { HistoryResult, StoredMessage } from "./message-store.js";

/**
 * The messages a history read returns from the entries it read (oldest first): none from before
 * the room's newest clear marker, and neither notices (reported apart) nor the markers themselves.
 * A marker among the entries after `since` means the chat the client shows was cleared since:
 * the answer is then a fresh start (`recovered: false`), which clients already handle by replacing
 * what they show (so even a v1 client that knows nothing of clearing drops the cleared messages).
 */
export function historyWindow(oldestFirst: StoredMessage[], recovered: boolean): HistoryResult {
  let from = 0;
  for (let i = oldestFirst.length - 1; i >= 0; i--) {
    if (oldestFirst[i]!.kind === "clear") {
      from = i + 1;
      recovered = false;
      break;
    }
  }
  const messages = oldestFirst.slice(from).filter((m) => m.kind === "chat" || m.kind === "question");
  return { recovered, messages };
}
