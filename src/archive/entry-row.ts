/** An entry as a table row (both implementations' column names), and back. */
import type { ReplyRef, Role } from "../protocol/index.js";
import type { StoredKind } from "../store/message-store.js";
import type { ArchivedEntry } from "./message-archive.js";

export interface EntryRow {
  room: string;
  id: string;
  ts: number;
  kind: string;
  body: string;
  user_id: string;
  user_name: string;
  user_role: string;
  is_system: boolean;
  extra: Record<string, unknown>;
  deleted_at: number | null;
  deleted_by: string | null;
}

/**
 * Fields of a stored entry that have no column of their own ride in `extra` under these keys, so
 * every writer (the embedded store, the write-behind) keeps them and every reader gets them back:
 * a reply's parent (issue #21) and the author's badges. Keys starting with `$` are reserved for them.
 */
const REPLY_KEY = "$replyTo";
const BADGES_KEY = "$badges";

export function toEntryRow(e: ArchivedEntry): EntryRow {
  const extra: Record<string, unknown> = { ...(e.extra ?? {}) };
  if (e.replyTo) extra[REPLY_KEY] = e.replyTo;
  if (e.user.badges && e.user.badges.length > 0) extra[BADGES_KEY] = e.user.badges;
  return {
    room: e.room,
    id: e.id,
    ts: e.ts,
    kind: e.kind,
    body: e.text,
    user_id: e.user.id,
    user_name: e.user.name,
    user_role: e.user.role,
    is_system: e.system === true,
    extra,
    deleted_at: e.deleted?.at ?? null,
    deleted_by: e.deleted?.by ?? null,
  };
}

export function fromEntryRow(r: EntryRow): ArchivedEntry {
  const e: ArchivedEntry = {
    id: r.id,
    room: r.room,
    kind: r.kind as StoredKind,
    text: r.body,
    user: { id: r.user_id, name: r.user_name, role: r.user_role as Role },
    ts: r.ts,
  };
  if (r.is_system) e.system = true;
  const { [REPLY_KEY]: replyTo, [BADGES_KEY]: badges, ...rest } = r.extra;
  if (replyTo !== undefined) e.replyTo = replyTo as ReplyRef;
  if (Array.isArray(badges)) e.user.badges = badges as string[];
  if (Object.keys(rest).length > 0) e.extra = rest as ArchivedEntry["extra"];
  if (r.deleted_at !== null) e.deleted = { by: r.deleted_by ?? "", at: r.deleted_at };
  return e;
}
