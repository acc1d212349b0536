/** Checks archive queries and shapes their answers, the same for every implementation. */
import { decodeMessageId, encodeMessageId } from "../store/message-id.js";
import { fromEntryRow, type EntryRow } from "./entry-row.js";
import { ArchiveInputError, MAX_PAGE_LIMIT, type ArchivedEntry, type ArchivePage, type PageQuery, type RangeQuery } from "./message-archive.js";

/** The highest ms a wire id can hold (14 digits). */
const MAX_ID_MS = 99_999_999_999_999;

export type PageCursor = { direction: "before"; id: string } | { direction: "after"; id: string } | { direction: "latest" };

export interface CheckedPage {
  cursor: PageCursor;
  limit: number;
}

export function checkPage(query: PageQuery): CheckedPage {
  const { before, after, limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ArchiveInputError(`limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}, got ${String(limit)}`);
  }
  if (before !== undefined && after !== undefined) throw new ArchiveInputError("give before or after, not both");
  for (const [name, id] of [["before", before], ["after", after]] as const) {
    if (id !== undefined && decodeMessageId(id) === null) throw new ArchiveInputError(`${name} is not a message id`);
  }
  const cursor: PageCursor =
    before !== undefined ? { direction: "before", id: before } : after !== undefined ? { direction: "after", id: after } : { direction: "latest" };
  return { cursor, limit };
}

export interface CheckedRange {
  /** Lowest id in the range (inclusive). */
  fromId: string;
  /** First id past the range (exclusive). */
  toId: string;
  includeDeleted: boolean;
  chunkSize: number;
}

/** Most entries one chunk of a range reads: bounds what a slow replay client can make us hold. */
export const MAX_CHUNK_SIZE = 5_000;
export const DEFAULT_CHUNK_SIZE = 500;

function idAt(ms: number): string {
  return encodeMessageId(Math.min(ms, MAX_ID_MS), 0);
}

/** Sorts after every wire id (":" follows the digits in byte order). */
const PAST_EVERY_ID = `${String(MAX_ID_MS)}-:`;

export function checkRange(query: RangeQuery): CheckedRange {
  const { from, to, includeDeleted = false, chunkSize = DEFAULT_CHUNK_SIZE } = query;
  for (const [name, v] of [["from", from], ["to", to]] as const) {
    if (typeof v !== "number" || Number.isNaN(v) || v < 0 || (!Number.isInteger(v) && v !== Infinity)) {
      throw new ArchiveInputError(`${name} must be ms since the epoch, got ${String(v)}`);
    }
  }
  if (to <= from) throw new ArchiveInputError("to must be after from");
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new ArchiveInputError(`chunkSize must be a whole number from 1 to ${MAX_CHUNK_SIZE}`);
  }
  const toId = to > MAX_ID_MS ? PAST_EVERY_ID : idAt(to);
  return { fromId: idAt(from), toId, includeDeleted, chunkSize };
}

/**
 * A page from rows read with LIMIT limit + 1 in the cursor's direction (newest first for `latest`
 * and `before`): the extra row only says there is more; the answer is oldest first.
 */
export function pageOf(rows: EntryRow[], { cursor, limit }: CheckedPage): ArchivePage {
  const entries = rows.slice(0, limit).map(fromEntryRow);
  if (cursor.direction !== "after") entries.reverse();
  return { entries, hasMore: rows.length > limit };
}

/**
 * A range read chunk by chunk as the consumer pulls: `read(after)` returns up to `chunkSize` rows
 * in id order, from the range's start when `after` is undefined, else past that id.
 */
export function chunked(chunkSize: number, read: (after: string | undefined) => EntryRow[] | Promise<EntryRow[]>): AsyncIterable<ArchivedEntry> {
  return {
    async *[Symbol.asyncIterator]() {
      let last: string | undefined;
      for (;;) {
        const rows = await read(last);
        for (const row of rows) yield fromEntryRow(row);
        if (rows.length < chunkSize) return;
        last = rows[rows.length - 1]!.id;
      }
    },
  };
}

/** The range of {@link MessageArchive.export}: everything, deleted entries included. */
export function exportRange(options: { chunkSize?: number }): RangeQuery {
  return { from: 0, to: Infinity, includeDeleted: true, ...options };
}
