/** Checks entries before they are archived, the same for every implementation. */
import { decodeMessageId } from "../store/message-id.js";
import { ArchiveInputError, type ArchivedEntry, type JsonValue } from "./message-archive.js";

/** NUL and lone surrogates: PostgreSQL text and jsonb refuse them, and one would refuse a whole batch. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` with what no database can store replaced by U+FFFD (as a UTF-8 decoder would). */
export function storable(s: string): string {
  return s.replace(UNSTORABLE, "\uFFFD");
}

function storableJson(v: JsonValue): JsonValue {
  if (typeof v === "string") return storable(v);
  if (Array.isArray(v)) return v.map(storableJson);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [storable(k), storableJson(x)]));
  return v;
}

function storableEntry(e: ArchivedEntry): ArchivedEntry {
  const out: ArchivedEntry = { ...e, room: storable(e.room), text: storable(e.text), user: { ...e.user, id: storable(e.user.id), name: storable(e.user.name) } };
  if (e.extra) out.extra = storableJson(e.extra) as ArchivedEntry["extra"];
  if (e.deleted) out.deleted = { ...e.deleted, by: storable(e.deleted.by) };
  return out;
}

function problem(e: ArchivedEntry): string | null {
  if (typeof e.room !== "string" || e.room === "") return "room must be a non-empty string";
  if (typeof e.id !== "string" || decodeMessageId(e.id) === null) return "id is not a message id";
  if (!Number.isSafeInteger(e.ts) || e.ts < 0) return "ts must be ms since the epoch";
  if (typeof e.kind !== "string" || typeof e.text !== "string") return "kind and text must be strings";
  const u = e.user as Partial<ArchivedEntry["user"]> | undefined;
  if (typeof u?.id !== "string" || typeof u.name !== "string" || typeof u.role !== "string") return "user needs id, name and role";
  if (e.deleted && (typeof e.deleted.by !== "string" || !Number.isSafeInteger(e.deleted.at))) return "deleted needs by and at";
  return null;
}

/**
 * The entries to store: each checked (a malformed one throws {@link ArchiveInputError} and nothing
 * is stored) and made storable, one per (room, id): the first copy, flagged deleted if any copy is.
 */
export function checkEntries(entries: readonly ArchivedEntry[]): ArchivedEntry[] {
  const byKey = new Map<string, ArchivedEntry>();
  for (const [i, e] of entries.entries()) {
    const bad = problem(e);
    if (bad) throw new ArchiveInputError(`entry ${i}: ${bad}`);
    const key = `${e.room}\n${e.id}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, storableEntry(e));
    else if (!seen.deleted && e.deleted) byKey.set(key, { ...seen, deleted: { ...e.deleted, by: storable(e.deleted.by) } });
  }
  return [...byKey.values()];
}
