/** Synthetic archive entries for the archive benchmarks: realistic sizes, ids in room order. */
import type { ArchivedEntry } from "../../src/archive/message-archive.js";
import { encodeMessageId } from "../../src/store/message-id.js";

const WORDS = ["gg", "lol", "that play", "what a save", "hello from Berlin", "first time here", "clip it!", "no way", "POG", "is this live?"];

/** Entries `count` long for `room`, one per ms from `startMs` (seq 0), with chat-sized texts. */
export function roomEntries(room: string, startMs: number, count: number, offset = 0): ArchivedEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    return {
      room,
      id: encodeMessageId(startMs + n, 0),
      ts: startMs + n,
      kind: "chat" as const,
      text: `${WORDS[n % WORDS.length]} #${n}`,
      user: { id: `user-${n % 5000}`, name: `Viewer ${n % 5000}`, role: "viewer" as const },
    };
  });
}
