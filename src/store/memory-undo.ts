/**
 * Undoing one in-memory append or release whose entries the archive refused (disk full, file
 * unwritable): the entries leave the hot window and every mark they left (dedup key, slow-mode
 * pace, unique-chat key, a released message's place in the queue) goes back to what it was, so
 * the sender's retry with the same clientId is stored as if the first try never happened.
 *
 * Record each mark before changing it; `undo` then restores exactly those.
 */
import type { DedupMark, RoomState, StoredEntry } from "./memory-room.js";

export class RoomUndo {
  private readonly entries: StoredEntry[];
  private readonly notice: RoomState["notice"];
  private readonly dedup = new Map<string, DedupMark | undefined>();
  private readonly pace = new Map<string, number | undefined>();
  private readonly unique = new Map<string, number | undefined>();
  private readonly held = new Map<string, NonNullable<ReturnType<RoomState["held"]["get"]>>>();

  constructor(private readonly room: RoomState) {
    // At most the history size in references: cheap next to the insert it guards.
    this.entries = room.entries.slice();
    this.notice = room.notice;
  }

  dedupKey(key: string): void {
    if (!this.dedup.has(key)) this.dedup.set(key, this.room.dedup.get(key));
  }

  paceOf(userId: string): void {
    if (!this.pace.has(userId)) this.pace.set(userId, this.room.lasting.pace.get(userId));
  }

  uniqueKey(key: string): void {
    if (!this.unique.has(key)) this.unique.set(key, this.room.unique.get(key));
  }

  /** A held message about to be released (with its dedup key). */
  heldMessage(heldId: string): void {
    const record = this.room.held.get(heldId);
    if (!record || this.held.has(heldId)) return;
    this.held.set(heldId, record);
    this.dedupKey(record.draft.dedupKey);
  }

  /** Takes the entries `ids` out again and restores every recorded mark. */
  undo(ids: ReadonlySet<string>, historySize: number): void {
    const room = this.room;
    // Entries stored meanwhile by another call stay; those the batch trimmed come back.
    const kept = room.entries.filter((e) => !ids.has(e.id));
    const first = kept[0]?.id;
    const older = this.entries.filter((e) => !ids.has(e.id) && (first === undefined || e.id < first));
    room.entries = [...older, ...kept].slice(-historySize);
    if (room.notice && ids.has(room.notice.id)) room.notice = this.notice;
    restore(room.dedup, this.dedup);
    restore(room.lasting.pace, this.pace);
    restore(room.unique, this.unique);
    for (const [heldId, record] of this.held) if (!room.held.has(heldId)) room.held.set(heldId, record);
  }
}

function restore<V>(target: Map<string, V>, saved: Map<string, V | undefined>): void {
  for (const [key, value] of saved) {
    if (value === undefined) target.delete(key);
    else target.set(key, value);
  }
}
