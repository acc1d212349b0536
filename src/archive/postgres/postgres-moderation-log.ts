/**
 * The moderation log kept for good in the PostgreSQL archive (issue #21): the `moderation_log`
 * table of migration 2, on the archive's pool. Unbounded per room (the archive's retention prunes
 * by age); ids are the row numbers, zero-padded, so they compare as strings in the order written.
 */
import type { ModerationLogEntry } from "../../protocol/index.js";
import type { ModerationLog } from "../../store/moderation-log.js";
import { logEntryId, logEntrySeq } from "../moderation-log-migration.js";
import type { SqlQueryable } from "./sql-client.js";

const INSERT = `INSERT INTO moderation_log (room, at, entry) VALUES ($1, $2, $3::jsonb) RETURNING seq`;
const LIST = `SELECT seq, entry FROM moderation_log WHERE room = $1 AND ($2::bigint IS NULL OR seq < $2::bigint) ORDER BY seq DESC LIMIT $3`;
const PRUNE = `DELETE FROM moderation_log WHERE at < $1`;

type Stored = Omit<ModerationLogEntry, "id" | "room">;

export class PostgresModerationLog implements ModerationLog {
  /** `sql`: a migrated archive database's connection (its pool); closed by its owner. */
  constructor(private readonly sql: SqlQueryable) {}

  async append(entry: Omit<ModerationLogEntry, "id">): Promise<ModerationLogEntry> {
    const { room, ...rest } = entry;
    const { rows } = await this.sql.query<{ seq: string }>(INSERT, [room, entry.at, JSON.stringify(rest)]);
    return { id: logEntryId(rows[0]!.seq), room, ...rest };
  }

  async list(room: string, query: { before?: string; limit: number }): Promise<ModerationLogEntry[]> {
    const before = query.before === undefined ? null : logEntrySeq(query.before);
    if (before === undefined) return [];
    const { rows } = await this.sql.query<{ seq: string; entry: Stored }>(LIST, [room, before, query.limit]);
    return rows.map((r) => ({ id: logEntryId(r.seq), room, ...r.entry }));
  }

  /** Retention: removes entries older than `olderThan` (ms since the epoch); resolves with how many. */
  async prune(olderThan: number): Promise<number> {
    return (await this.sql.query(PRUNE, [olderThan])).rowCount;
  }

  async close(): Promise<void> {
    // The pool belongs to the archive that opened it.
  }
}
