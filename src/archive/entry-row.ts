/** An entry as a table row (both implementations' column names), and back. */
import type { Role } from "../protocol/index.js";
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

export function toEntryRow(e: ArchivedEntry): EntryRow {
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
    extra: e.extra ?? {},
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
  if (Object.keys(r.extra).length > 0) e.extra = r.extra as ArchivedEntry["extra"];
  if (r.deleted_at !== null) e.deleted = { by: r.deleted_by ?? "", at: r.deleted_at };
  return e;
}
