/**
 * A room's whole history, read across the hot window (the MessageStore: Redis, or memory) and the
 * archive below it (issue #20, docs/archive-design.md "Reading older history across the hot
 * window"): older pages for `room:history` and `GET .../messages`, replay and export for the HTTP
 * API, and a user's erasure from both. Without an archive everything works on the hot window alone.
 */
import type { ArchivedEntry, ErasedEntry, MessageArchive } from "../archive/message-archive.js";
import { encodeMessageId } from "../store/message-id.js";
import type { MessageStore, StoredMessage } from "../store/message-store.js";

export interface RoomHistoryDeps {
  store: Pick<MessageStore, "entriesBefore" | "userEntries">;
  /** @default none: the hot window is all there is */
  archive?: Pick<MessageArchive, "page" | "range" | "export" | "eraseUser">;
  /** Removes one entry from the live history and tells the room's viewers (`chat:deleted`); false when it is not there. */
  remove(room: string, id: string): Promise<boolean>;
}

export interface OlderPage {
  /** Chat and question messages, oldest first. */
  messages: StoredMessage[];
  hasMore: boolean;
}

/**
 * Reads per page: a page is done in one or two reads (hot window, then archive) unless the room is
 * mostly notices; past this many it answers what it has with `hasMore: true` rather than scan on.
 */
const MAX_READS_PER_PAGE = 8;
/** The archive's largest page (MAX_PAGE_LIMIT). */
const ARCHIVE_PAGE = 100;
/** Hot-window reads for a replay's or export's tail (100 entries each), so a tail is bounded too. */
const MAX_TAIL_READS = 50;
/** Entries the erasure removes from the live history at once. */
const REMOVE_CONCURRENCY = 32;

const isMessage = (e: StoredMessage) => e.kind === "chat" || e.kind === "question";

export class RoomHistory {
  constructor(private readonly deps: RoomHistoryDeps) {}

  /**
   * The newest `limit` messages older than `before` (or the newest), oldest first: the hot window
   * first, then the archive strictly below the oldest entry the hot window gave (no duplicate; no
   * gap, since the stream only drops entries the archive already has). A clear marker ends what
   * a viewer is shown (`hasMore: false`), as it ends a join's history.
   */
  async older(room: string, before: string | undefined, limit: number): Promise<OlderPage> {
    const picked: StoredMessage[] = []; // newest first
    let cursor = before;
    let inHotWindow = true;
    let fromArchive = false;
    for (let read = 0; read < MAX_READS_PER_PAGE; read++) {
      const want = limit - picked.length + 1; // one more than needed tells whether more exist
      let entries: StoredMessage[];
      let sourceHasMore: boolean;
      if (inHotWindow) {
        entries = await this.deps.store.entriesBefore(room, cursor, want);
        // A short read is the window's start: below it, only the archive has entries.
        inHotWindow = entries.length === want;
        sourceHasMore = inHotWindow || this.deps.archive !== undefined;
      } else {
        if (!this.deps.archive) break;
        const page = await this.deps.archive.page(room, cursor === undefined ? { limit: Math.min(want, ARCHIVE_PAGE) } : { before: cursor, limit: Math.min(want, ARCHIVE_PAGE) });
        entries = page.entries;
        sourceHasMore = page.hasMore;
        fromArchive = true;
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const entry = entries[i]!;
        if (entry.kind === "clear") return { messages: picked.reverse(), hasMore: false };
        if (!isMessage(entry)) continue;
        if (picked.length === limit) return { messages: picked.reverse(), hasMore: true };
        picked.push(entry);
      }
      if (entries.length > 0) cursor = entries[0]!.id;
      if (!sourceHasMore) return { messages: picked.reverse(), hasMore: false };
      // The archive says whether older entries exist; the hot window's end is told by one more read.
      if (picked.length === limit && fromArchive) return { messages: picked.reverse(), hasMore: true };
    }
    return { messages: picked.reverse(), hasMore: this.deps.archive !== undefined || inHotWindow };
  }

  /**
   * A time range [from, to) of the room in id order, every kind: the archive's entries, then the
   * hot window's past the newest of them (entries not archived yet), merged by id without a
   * duplicate. `from`/`to` are checked by the caller (24 h at most). An archive failure rejects
   * the iteration: the caller must end the response as failed, not as complete.
   */
  async *replay(room: string, from: number, to: number): AsyncGenerator<ArchivedEntry> {
    const floor = encodeMessageId(from, 0);
    let last: string | undefined;
    if (this.deps.archive) {
      for await (const entry of this.deps.archive.range(room, { from, to })) {
        last = entry.id;
        yield entry;
      }
    }
    yield* await this.tail(room, last !== undefined && last >= floor ? last : undefined, floor, encodeMessageId(to, 0));
  }

  /** Everything the room holds, deleted entries included and marked, then the hot window's unarchived tail. */
  async *export(room: string): AsyncGenerator<ArchivedEntry> {
    let last: string | undefined;
    if (this.deps.archive) {
      for await (const entry of this.deps.archive.export(room)) {
        last = entry.id;
        yield entry;
      }
    }
    yield* await this.tail(room, last, undefined, undefined);
  }

  /**
   * Erases a user's messages (privacy requests): from the archive, chunk by chunk, each chunk also
   * removed from the live history with `chat:deleted` to the room's viewers; then what only the
   * hot window holds (not archived yet, or no archive). An archive failure rejects (the caller
   * answers 503): what was erased so far stays erased, and a retry finishes the job.
   */
  async eraseUser(userId: string, upTo: number): Promise<{ archived: number; live: number }> {
    let live = 0;
    const rooms = new Set<string>();
    const removeAll = async (entries: readonly ErasedEntry[]) => {
      for (const e of entries) rooms.add(e.room);
      for (let i = 0; i < entries.length; i += REMOVE_CONCURRENCY) {
        const removed = await Promise.all(entries.slice(i, i + REMOVE_CONCURRENCY).map((e) => this.deps.remove(e.room, e.id)));
        live += removed.filter(Boolean).length;
      }
    };
    const archived = this.deps.archive ? await this.deps.archive.eraseUser(userId, { upTo, onErased: removeAll }) : 0;
    const hot = (await this.deps.store.userEntries?.(userId)) ?? [];
    // The rooms the archive named may hold more of the user's entries that it does not have yet
    // (the write-behind's last moments, Redis): their hot windows are read through too. (The
    // archive's erasure mark keeps those from being archived later either way.)
    for (const room of rooms) {
      for (const e of await this.tail(room, undefined, undefined, undefined)) if (e.user.id === userId) hot.push(e);
    }
    // Once each: the store's list and a room's hot window may name the same entry.
    const due = new Map<string, StoredMessage>();
    for (const e of hot) if (e.ts <= upTo) due.set(`${e.room}\n${e.id}`, e);
    await removeAll([...due.values()]);
    return { archived, live };
  }

  /** The hot window's entries with ids in (after ?? floor, upper), oldest first; bounded reads. */
  private async tail(room: string, after: string | undefined, floor: string | undefined, upper: string | undefined): Promise<StoredMessage[]> {
    const out: StoredMessage[] = []; // newest first
    let cursor = upper;
    for (let read = 0; read < MAX_TAIL_READS; read++) {
      const entries = await this.deps.store.entriesBefore(room, cursor, ARCHIVE_PAGE);
      for (let i = entries.length - 1; i >= 0; i--) {
        const e = entries[i]!;
        if ((after !== undefined && e.id <= after) || (floor !== undefined && e.id < floor)) return out.reverse();
        out.push(e);
      }
      if (entries.length < ARCHIVE_PAGE) break;
      cursor = entries[0]!.id;
    }
    return out.reverse();
  }
}
