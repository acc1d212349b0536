/**
 * What the in-memory store needs of the durable archive (issue #20), and the two conversions
 * between its entries and the archive's. The archive (src/archive/, a floor above the store)
 * implements this structurally: `MessageArchive` is an `EntryArchive`, without the store importing
 * upwards.
 *
 * The embedded mode has no second node, so the archive file is what makes an entry durable: the
 * store inserts each stored batch before it publishes or acknowledges it, and loads a room's hot
 * window back from the archive the first time the room is touched after a restart.
 */
import { StoreUnavailableError, type PublishedEntry, type StoredMessage } from "./message-store.js";
import { decodeMessageId, encodeMessageId } from "./message-id.js";
import { toStored } from "./memory-room.js";
import type { RoomUndo } from "./memory-undo.js";

/**
 * An entry as the archive keeps it: a stored entry (the archive keeps a reply's parent and the
 * author's badges too, src/archive/entry-row.ts), plus fields of its own the store ignores.
 */
export interface KeptEntry extends StoredMessage {
  extra?: { [key: string]: unknown };
}

export interface EntryArchive {
  /** Stores entries, idempotent per (room, id), all or none. */
  insert(entries: readonly KeptEntry[]): Promise<number>;
  /** Flags an archived entry as deleted by moderation; false when it is not archived. */
  markDeleted(room: string, id: string, deletion: { by: string; at: number }): Promise<boolean>;
  /** A page of a room's entries that are not deleted, oldest first (limit 1-100). */
  page(room: string, query: { before?: string; after?: string; limit: number }): Promise<{ entries: KeptEntry[]; hasMore: boolean }>;
}

/** The archive's largest page. */
const PAGE_LIMIT = 100;
/** The largest sequence number an id can carry (10 digits). */
const MAX_SEQ = 9_999_999_999;

/** A room's newest `size` archived entries (deleted ones left out), oldest first: its hot window after a restart. */
export async function archivedWindow(archive: EntryArchive, room: string, size: number): Promise<StoredMessage[]> {
  const pages: KeptEntry[][] = [];
  let got = 0;
  let before: string | undefined;
  while (got < size) {
    const page = await archive.page(room, { ...(before === undefined ? {} : { before }), limit: Math.min(PAGE_LIMIT, size - got) });
    pages.unshift(page.entries);
    got += page.entries.length;
    if (!page.hasMore || page.entries.length === 0) break;
    before = page.entries[0]!.id;
  }
  return pages.flat().map(toStored);
}

/** Whether the archive holds entry `id` of `room`, not deleted: the one page entry right after the id just below it. */
export async function archivedAndShown(archive: EntryArchive, room: string, id: string): Promise<boolean> {
  const parts = decodeMessageId(id);
  if (!parts || (parts.ms === 0 && parts.seq === 0)) return false;
  const below = parts.seq > 0 ? encodeMessageId(parts.ms, parts.seq - 1) : encodeMessageId(parts.ms - 1, MAX_SEQ);
  const page = await archive.page(room, { after: below, limit: 1 });
  return page.entries[0]?.id === id;
}

/** The in-memory store's use of the archive: keeping stored batches, flagging deletions, loading rooms back. */
export class KeptRooms {
  /** Rooms whose hot window is being read, so concurrent callers wait for one read. */
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly archive: EntryArchive,
    private readonly historySize: number,
    private readonly now: () => number,
  ) {}

  /**
   * Inserts newly stored entries before anyone sees them. better-sqlite3 runs the insert
   * synchronously: well under a millisecond for a tick's batch (docs/operations.md). If it fails,
   * `undo` takes the entries and their marks back and the sends fail as unavailable (retry with the same clientId).
   */
  async keep(entries: PublishedEntry[], undo: RoomUndo): Promise<void> {
    try {
      await this.archive.insert(entries.map(({ prev: _prev, sender: _sender, ...stored }): KeptEntry => stored));
    } catch (err) {
      undo.undo(new Set(entries.map((e) => e.id)), this.historySize);
      throw new StoreUnavailableError("the archive did not store the messages; retry with the same clientId", { cause: err });
    }
  }

  /** Flags the archived entry deleted `by`; false when there is none, or it was deleted before. */
  async forget(room: string, id: string, by: string, inWindow: boolean): Promise<boolean> {
    if (decodeMessageId(id) === null) return false;
    try {
      if (!inWindow && !(await archivedAndShown(this.archive, room, id))) return false;
      return await this.archive.markDeleted(room, id, { by, at: this.now() });
    } catch (err) {
      throw new StoreUnavailableError("the archive did not record the deletion; retry", { cause: err });
    }
  }

  /**
   * Reads a room's hot window (one read at a time per room) and hands it to `install` unless it is
   * empty or the room became live meanwhile.
   */
  async load(room: string, live: () => boolean, install: (entries: StoredMessage[]) => void): Promise<void> {
    let loading = this.loading.get(room);
    if (!loading) {
      loading = this.read(room, live, install).finally(() => this.loading.delete(room));
      this.loading.set(room, loading);
    }
    await loading;
  }

  private async read(room: string, live: () => boolean, install: (entries: StoredMessage[]) => void): Promise<void> {
    let entries: StoredMessage[];
    try {
      entries = await archivedWindow(this.archive, room, this.historySize);
    } catch (err) {
      throw new StoreUnavailableError("the archive could not be read; retry", { cause: err });
    }
    if (entries.length > 0 && !live()) install(entries);
  }
}
