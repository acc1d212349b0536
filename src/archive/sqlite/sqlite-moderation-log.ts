/**
 * The moderation log kept for good in the embedded archive file (issue #21): the `moderation_log`
 * table of migration 2, on the archive's SQLite database (better-sqlite3: each statement is
 * synchronous and short). Unbounded per room; ids are the row numbers, zero-padded.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { ModerationLogEntry } from "../../protocol/index.js";
import type { ModerationLog } from "../../store/moderation-log.js";
import { logEntryId, logEntrySeq } from "../moderation-log-migration.js";

type Stored = Omit<ModerationLogEntry, "id" | "room">;

export class SqliteModerationLog implements ModerationLog {
  private readonly stmt;

  /** `db`: a migrated archive database; closed by its owner. */
  constructor(db: BetterSqlite3.Database) {
    this.stmt = {
      insert: db.prepare<[string, number, string]>("INSERT INTO moderation_log (room, at, entry) VALUES (?, ?, ?)"),
      latest: db.prepare<[string, number], { seq: number; entry: string }>("SELECT seq, entry FROM moderation_log WHERE room = ? ORDER BY seq DESC LIMIT ?"),
      before: db.prepare<[string, string, number], { seq: number; entry: string }>("SELECT seq, entry FROM moderation_log WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?"),
      prune: db.prepare<[number]>("DELETE FROM moderation_log WHERE at < ?"),
    };
  }

  async append(entry: Omit<ModerationLogEntry, "id">): Promise<ModerationLogEntry> {
    const { room, ...rest } = entry;
    const { lastInsertRowid } = this.stmt.insert.run(room, entry.at, JSON.stringify(rest));
    return { id: logEntryId(String(lastInsertRowid)), room, ...rest };
  }

  async list(room: string, query: { before?: string; limit: number }): Promise<ModerationLogEntry[]> {
    const before = query.before === undefined ? undefined : logEntrySeq(query.before);
    if (query.before !== undefined && before === undefined) return [];
    const rows = before === undefined ? this.stmt.latest.all(room, query.limit) : this.stmt.before.all(room, before, query.limit);
    return rows.map((r) => ({ id: logEntryId(r.seq), room, ...(JSON.parse(r.entry) as Stored) }));
  }

  /** Retention: removes entries older than `olderThan` (ms since the epoch); resolves with how many. */
  async prune(olderThan: number): Promise<number> {
    return this.stmt.prune.run(olderThan).changes;
  }

  async close(): Promise<void> {
    // The database belongs to the archive that opened it.
  }
}
