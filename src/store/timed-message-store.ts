import type { Histogram } from "prom-client";
import type { MessageStore } from "./message-store.js";

/** Wraps a store to observe each call's latency; any store, so both implementations are measured alike. */
export function timedMessageStore(store: MessageStore, latency: Histogram<"op">): MessageStore {
  const time = <T>(op: string, run: () => Promise<T>): Promise<T> => {
    const end = latency.startTimer({ op });
    return run().finally(() => end());
  };
  return {
    append: (room, drafts) => time("append", () => store.append(room, drafts)),
    history: (room, since) => time("history", () => store.history(room, since)),
    entriesBefore: (room, before, limit) => time("entries_before", () => store.entriesBefore(room, before, limit)),
    notice: (room) => time("notice", () => store.notice(room)),
    remove: (room, id) => time("remove", () => store.remove(room, id)),
    mute: (room, userId, sec) => time("mute", () => store.mute(room, userId, sec)),
    ban: (room, userId, sec) => time("ban", () => store.ban(room, userId, sec)),
    unban: (room, userId) => time("unban", () => store.unban(room, userId)),
    access: (room, userId) => time("access", () => store.access(room, userId)),
    configure: (room, settings) => time("configure", () => store.configure(room, settings)),
    open: (room, sec) => time("open", () => store.open(room, sec)),
    message: (room, id) => time("message", () => store.message(room, id)),
    releaseDue: (room) => time("release", () => store.releaseDue(room)),
    releaseHeld: (room, heldId) => time("release", () => store.releaseHeld(room, heldId)),
    denyHeld: (room, heldId) => time("deny", () => store.denyHeld(room, heldId)),
    held: (room) => time("held", () => store.held(room)),
    announce: (room, notices) => time("announce", () => store.announce(room, notices)),
    close: () => store.close(),
    ...(store.userEntries ? { userEntries: (userId: string) => time("user_entries", () => store.userEntries!(userId)) } : {}),
  };
}
